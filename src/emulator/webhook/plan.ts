import type { Prng } from '../prng';
import type { AuditEvent } from '../types';
import type { ResolvedWebhookOptions } from './options';

export interface PlannedBatch {
  events: AuditEvent[];
  drop: boolean;
  duplicate: boolean;
}

type PlanKnobs = Pick<
  ResolvedWebhookOptions,
  'maxBatch' | 'reorder' | 'dropRate' | 'dropNext' | 'duplicateRate' | 'duplicateNext'
>;

/**
 * Cuts pending events into batches and decides which are dropped, duplicated or shuffled. Returns the knobs'
 * remaining explicit counts (`dropNext`, `duplicateNext`) so the caller can store them.
 */
export function planBatches(
  pending: AuditEvent[],
  knobs: PlanKnobs,
  prng: Prng,
): { batches: PlannedBatch[]; dropNext: number; duplicateNext: number } {
  const across = knobs.reorder === true || knobs.reorder === 'across';
  const within = knobs.reorder === true || knobs.reorder === 'within';
  const events = across ? prng.shuffle([...pending]) : pending;
  let { dropNext, duplicateNext } = knobs;
  const batches: PlannedBatch[] = [];
  for (let at = 0; at < events.length; at += knobs.maxBatch) {
    const batch = events.slice(at, at + knobs.maxBatch);
    const drop = dropNext > 0 || prng.chance(knobs.dropRate);
    if (dropNext > 0) dropNext--;
    const duplicate = !drop && (duplicateNext > 0 || prng.chance(knobs.duplicateRate));
    if (duplicate && duplicateNext > 0) duplicateNext--;
    batches.push({ events: within ? prng.shuffle(batch) : batch, drop, duplicate });
  }
  if (across) prng.shuffle(batches);
  return { batches, dropNext, duplicateNext };
}
