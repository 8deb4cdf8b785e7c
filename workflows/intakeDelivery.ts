import {
  ChildWorkflowCancellationType,
  ParentClosePolicy,
  continueAsNew,
  startChild,
  workflowInfo,
  type ChildWorkflowOptions,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError, type SearchAttributePair } from '@temporalio/common';
import {
  WORKFLOW_TYPES,
  kindKey,
  projectKey,
  userKey,
  workflowIds,
  type ApplyEventInput,
  type ReconcileInput,
} from './messages';
import type { IntakeWindow } from '../src/messages';

export type { IntakeWindow };

/** One webhook delivery's events: ids, actions, user ids and times only, never user data. */
export interface IntakeInput {
  projectId: string;
  /** Whether the namespace has the product's search attributes (the webhook checked at start). */
  searchAttributes: boolean;
  /** RECONCILE_OVERLAP and SWEEP_MAX_DELETE_FRACTION, for the runs window events start. */
  reconcile: { overlapMs: number; maxDeleteFraction: number };
  events: ApplyEventInput[];
  windows: IntakeWindow[];
  /** Child starts per run, at most, before continuing as new (default 1,000; tests lower it). */
  startsPerRun?: number;
  /** Carried across continue-as-new; the webhook leaves it out. */
  carry?: IntakeResult;
}

export interface IntakeResult {
  /** Event workflows this intake started. */
  started: number;
  /** Events whose workflow already ran or runs (another delivery took them); only a failed one runs again. */
  duplicates: number;
  /** Reconciliation runs started for window events, and window events a run already going covered. */
  windowsStarted: number;
  windowsShared: number;
  runs: number;
}

/** Child starts in flight at once: one workflow task's commands, and two history events each. */
const CHUNK = 100;
/** Starts per run before continuing as new: about 3 history events each (measured) keeps a run far below 10,240. */
const STARTS_PER_RUN = 1000;
/** A burst of window events within one bucket (by `occurred`) shares one run. */
const RECONCILE_BUCKET_MS = 5 * 60_000;
const SWEEP_BUCKET_MS = 60 * 60_000;

/**
 * Takes one webhook delivery, made durable by a single start, and starts each event's own `applyAuditEvent`
 * workflow as an abandoned child, so the event workflows outlive the intake and stay what operators find,
 * retry and reset. The per-event id `descope-event-<eventId>` with ALLOW_DUPLICATE_FAILED_ONLY makes an event
 * that another delivery already started (running or completed) a counted no-op, while a failed one runs again.
 * Finishes once every child has started.
 */
export async function intakeDelivery(input: IntakeInput): Promise<IntakeResult> {
  const tally = input.carry ?? { started: 0, duplicates: 0, windowsStarted: 0, windowsShared: 0, runs: 0 };
  tally.runs += 1;
  const runs = windowRuns(input.windows);
  tally.windowsShared += input.windows.length - runs.length;
  for (const run of runs) {
    const outcome = await startOnce(startWindow(input, run));
    if (outcome === 'started') tally.windowsStarted += 1;
    else tally.windowsShared += 1;
  }
  let rest = input.events;
  let room = Math.max(input.startsPerRun ?? STARTS_PER_RUN, 1);
  while (rest.length > 0) {
    if (room <= 0 || workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof intakeDelivery>({ ...input, events: rest, windows: [], carry: tally });
    }
    const chunk = rest.slice(0, Math.min(CHUNK, room));
    rest = rest.slice(chunk.length);
    const outcomes = await Promise.all(chunk.map((event) => startOnce(startEvent(input, event))));
    for (const outcome of outcomes) tally[outcome === 'started' ? 'started' : 'duplicates'] += 1;
    room -= chunk.length;
  }
  return tally;
}

async function startOnce(start: Promise<unknown>): Promise<'started' | 'duplicate'> {
  try {
    await start;
    return 'started';
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return 'duplicate';
    throw error;
  }
}

const detached: Pick<ChildWorkflowOptions, 'parentClosePolicy' | 'cancellationType'> = {
  parentClosePolicy: ParentClosePolicy.ABANDON,
  cancellationType: ChildWorkflowCancellationType.ABANDON,
};

function startEvent(input: IntakeInput, event: ApplyEventInput) {
  return startChild(WORKFLOW_TYPES.applyEvent, {
    workflowId: workflowIds.event(event.eventId),
    args: [event],
    workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
    ...detached,
    // A batch event has no single user: DescopeUserId is one keyword (its type cannot change on a namespace).
    ...searchAttributes(input, 'event', event.userId),
  });
}

interface WindowRun {
  tag: string;
  sweep: boolean;
  /** The earliest `occurred` among the delivery's events of this bucket: the run reads from there to now. */
  occurredMs: number;
}

/**
 * One run per bucket for a delivery's window events, started from the earliest of them, so a burst in one
 * delivery never costs two runs (even when the first finishes before the intake reaches the next event).
 */
export function windowRuns(windows: IntakeWindow[]): WindowRun[] {
  const runs = new Map<string, WindowRun>();
  for (const window of windows) {
    const sweep = window.action === 'UsersDeleted';
    const bucket = Math.floor(window.occurredMs / (sweep ? SWEEP_BUCKET_MS : RECONCILE_BUCKET_MS));
    const tag = `${sweep ? 'sweep' : 'window'}-${bucket}`;
    const known = runs.get(tag);
    if (!known) runs.set(tag, { tag, sweep, occurredMs: window.occurredMs });
    else known.occurredMs = Math.min(known.occurredMs, window.occurredMs);
  }
  return [...runs.values()];
}

function startWindow(input: IntakeInput, window: WindowRun) {
  const { tag, sweep } = window;
  const { overlapMs, maxDeleteFraction } = input.reconcile;
  // reconcileUsers subtracts the overlap from fromMs itself: pass the event's time, not time minus overlap.
  const args: ReconcileInput = sweep
    ? { mode: 'full', maxDeleteFraction }
    : { mode: 'incremental', fromMs: window.occurredMs, overlapMs };
  return startChild(WORKFLOW_TYPES.reconcile, {
    workflowId: workflowIds.reconcileRun(input.projectId, tag),
    args: [args],
    // A run going covers the burst. A finished window may run again (a later event of the same bucket may name
    // changes it did not see; re-reading a window is cheap); a finished full sweep is not repeated for its
    // bucket, so a redelivered UsersDeleted does not re-read the whole project (the scheduled sweep follows).
    workflowIdReusePolicy: sweep ? 'ALLOW_DUPLICATE_FAILED_ONLY' : 'ALLOW_DUPLICATE',
    ...detached,
    ...searchAttributes(input, sweep ? 'sweep' : 'reconcile'),
  });
}

function searchAttributes(
  input: IntakeInput,
  kind: string,
  userId?: string,
): { typedSearchAttributes?: SearchAttributePair[] } {
  if (!input.searchAttributes) return {};
  const pairs: SearchAttributePair[] = [
    { key: kindKey, value: kind },
    { key: projectKey, value: input.projectId },
  ];
  if (userId) pairs.push({ key: userKey, value: userId });
  return { typedSearchAttributes: pairs };
}
