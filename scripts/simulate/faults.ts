import type { FaultOptions } from '../../src/emulator';
import { count, liveUsers, type SimContext } from './steps';

/** A fault that lasts a few steps; `clear` puts back only what it changed. */
export interface ActiveFault {
  kind: string;
  untilStep: number;
  clear(): void;
}

const DEFAULT_DELAY_MS = 200;

/** Descope misbehaving for a few steps: 429 storms, 5xx, non-JSON bodies, empty pages, latency. */
export async function descopeFaultStep(ctx: SimContext): Promise<string> {
  const { prng } = ctx;
  const { emulator } = ctx.deployment;
  const steps = prng.int(2, 8);
  const endpoints = prng.pick([[], ['search'], ['load', 'loadUsers']]);
  const kind = prng.pick(['429storm', '5xx', 'nonJson', 'emptyPages', 'emptyPagesZeroTotal', 'latency', 'failNext']);
  const set = (changes: Partial<FaultOptions>, reset: Partial<FaultOptions>) => {
    emulator.faults.set({ ...changes, seed: prng.int(1, 1e6) });
    hold(ctx, kind, steps, () => emulator.faults.set(reset));
  };
  count(ctx, `descope/${kind}`);
  switch (kind) {
    case '429storm': {
      const windowMs = prng.int(1000, 5000);
      const rule = { limit: prng.int(1, 3), windowMs, blockMs: windowMs };
      emulator.rateLimits.configure({ search: rule, load: rule });
      hold(ctx, kind, steps, () => emulator.rateLimits.configure(false));
      return `429 storm (${rule.limit} per ${windowMs} ms) for ${steps} steps`;
    }
    case '5xx':
      set({ errorRate: prng.pick([0.2, 0.5, 1]), errorStatuses: [500, 502, 503], endpoints }, { errorRate: 0 });
      return `5xx on ${endpoints.join(',') || 'all'} for ${steps} steps`;
    case 'nonJson':
      set({ nonJsonRate: prng.pick([0.3, 1]), endpoints }, { nonJsonRate: 0 });
      return `non-JSON bodies on ${endpoints.join(',') || 'all'} for ${steps} steps`;
    case 'emptyPages':
    case 'emptyPagesZeroTotal': {
      const total = kind === 'emptyPages' ? 'real' : 'zero';
      set({ emptySearch: true, emptySearchTotal: total }, { emptySearch: false });
      return `empty search pages (total ${total}) for ${steps} steps`;
    }
    case 'latency':
      set({ latencyMs: prng.int(200, 2500), jitterMs: 500, endpoints }, { latencyMs: 0, jitterMs: 0 });
      return `latency for ${steps} steps`;
    default: {
      const n = prng.int(1, 5);
      emulator.faults.set({ failNext: n, errorStatuses: [prng.pick([500, 502])], endpoints: [] });
      return `next ${n} requests fail`;
    }
  }
}

/** The audit webhook misbehaving: drop, duplicate, reorder, delay, or one bad event beside good ones. */
export async function webhookFaultStep(ctx: SimContext): Promise<string> {
  const { prng } = ctx;
  const { webhook } = ctx.deployment.emulator;
  const kind = prng.pick(['drop', 'duplicate', 'reorder', 'delay', 'badSibling']);
  count(ctx, `webhook/${kind}`);
  const current = webhook.options();
  const steps = prng.int(2, 8);
  switch (kind) {
    case 'drop':
      webhook.configure({ dropNext: current.dropNext + 1 });
      return 'drop the next delivery';
    case 'duplicate':
      webhook.configure({ duplicateNext: current.duplicateNext + 1 });
      return 'duplicate the next delivery';
    case 'reorder': {
      const reorder = prng.pick(['within', 'across', true] as const);
      webhook.configure({ reorder });
      hold(ctx, kind, steps, () => webhook.configure({ reorder: false }));
      return `reorder ${String(reorder)} for ${steps} steps`;
    }
    case 'delay': {
      const delayMs = prng.int(1000, 5000);
      webhook.configure({ delayMs });
      hold(ctx, kind, steps, () => webhook.configure({ delayMs: DEFAULT_DELAY_MS }));
      return `deliveries delayed ${delayMs} ms for ${steps} steps`;
    }
    default:
      return await badSibling(ctx);
  }
}

function hold(ctx: SimContext, kind: string, steps: number, clear: () => void): void {
  ctx.active.push({ kind, untilStep: ctx.step + steps, clear });
}

/**
 * A delivery of one real change plus one malformed event (null userId). The good event must be taken: the
 * reply is 2xx. A refused delivery is recorded as an observation (Descope would redeliver it, forever).
 */
async function badSibling(ctx: SimContext): Promise<string> {
  const { deployment, prng } = ctx;
  const live = liveUsers(ctx);
  if (live.length === 0) return 'no user for a bad-sibling delivery';
  const user = prng.pick(live);
  const changed = deployment.emulator.users.update(user.userId, { name: `sibling ${ctx.step}` })!;
  const now = Date.now();
  const base = {
    type: 'info',
    projectId: deployment.projectId,
    actorId: '',
    occurred: now,
    occurred_formatted: new Date(now).toISOString(),
    device: '',
    method: '',
    geo: '',
    remoteAddress: '',
    tenants: null,
  };
  const good = { ...base, action: 'UserModified', userId: changed.userId, loginIds: changed.loginIds, data: {} };
  const bad = { ...base, action: 'UserModified', userId: null, loginIds: [], data: {} };
  const body = prng.chance(0.5) ? [bad, good] : [good, bad];
  const reply = await fetch(deployment.webhookUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${deployment.webhookToken}` },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  }).catch((error: unknown) => ({ status: 0, statusText: String(error) }));
  if (reply.status < 200 || reply.status >= 300) {
    ctx.observations.push({
      step: ctx.step,
      invariant: 'bad-sibling-taken',
      detail: `a delivery of one good and one bad event was refused whole: HTTP ${reply.status}`,
    });
  }
  return `good ${changed.userId} + bad event: HTTP ${reply.status}`;
}
