import { randomUUID } from 'node:crypto';
import { WORKFLOW_TYPES, workflowIds } from '../../workflows/messages';
import { ensureAuditFeed } from '../../src/temporal/auditFeed';
import { parseDuration } from '../../src/config';
import { createPrng } from '../../src/emulator/prng';
import { reproduce } from '../options';
import { startRig, type Rig, type Run } from '../rig';
import { elapsed, median, round, sleep } from '../stats';
import { spawnWorker } from '../workerProcess';
import type { ScenarioContext, ScenarioResult } from '../scenario';

/** The headline target: revoked in MongoDB within 5 minutes at the default settings, with no webhook. */
const TARGET_MS = 5 * 60_000;
const USERS = 200;
/** A change not seen in MongoDB after this is reported as not revoked. */
const GIVE_UP_MS = 10 * 60_000;

interface VariantMeasure {
  /** AUDIT_FEED_INTERVAL as set ('default' when left unset: 1m). */
  interval: string;
  changes: number;
  revoked: number;
  medianMs: number;
  worstMs: number;
  samplesMs: number[];
  auditRequests: number;
  auditRequestsPerMinute: number;
  minutes: number;
}

/**
 * Scenario 6: time-to-revoke in pull mode. The product's `worker` command runs alone (no webhook server, no
 * schedules), so the audit feed is the only event source. After a backfill, users are deleted or disabled in the
 * emulator at seeded random moments spread over three feed intervals (so they land at every phase of the feed's
 * poll), and each is timed from its change until MongoDB holds it as a tombstone or `disabled`. Runs at the
 * default AUDIT_FEED_INTERVAL and at each shorter interval asked for (labelled).
 */
export async function revokeScenario(ctx: ScenarioContext): Promise<ScenarioResult> {
  const measures: VariantMeasure[] = [];
  for (const interval of ctx.options.revokeIntervals) {
    measures.push(await measureVariant(ctx, interval));
    const m = measures.at(-1)!;
    ctx.log(
      `  AUDIT_FEED_INTERVAL=${m.interval}: ${m.revoked}/${m.changes} revoked, median ${round(m.medianMs / 1000, 1)} s, ` +
        `worst ${round(m.worstMs / 1000, 1)} s, ${m.auditRequestsPerMinute} audit searches/min`,
    );
  }
  const atDefault = measures.find((m) => m.interval === 'default');
  const figures: Record<string, number> = {};
  for (const m of measures) {
    const key = m.interval === 'default' ? 'Default' : `_${m.interval}`;
    figures[`medianSeconds${key}`] = round(m.medianMs / 1000, 1);
    figures[`worstSeconds${key}`] = round(m.worstMs / 1000, 1);
    figures[`auditRequestsPerMinute${key}`] = m.auditRequestsPerMinute;
  }
  return {
    name: 'revoke',
    title: `Time-to-revoke, pull mode (audit feed only): ${ctx.options.revokeChanges} deletions and disables per interval`,
    command: reproduce('revoke', ctx.options),
    figures,
    targets: atDefault
      ? [
          {
            figure: 'worstSecondsDefault',
            goal: `≤ ${TARGET_MS / 1000} (every change revoked, default AUDIT_FEED_INTERVAL)`,
            met: atDefault.revoked === atDefault.changes && atDefault.worstMs <= TARGET_MS,
          },
          {
            figure: 'auditRequestsPerMinuteDefault',
            goal: '≤ 10 (Descope: 10 audit searches a minute)',
            met: atDefault.auditRequestsPerMinute <= 10,
          },
        ]
      : [],
    table: {
      columns: ['AUDIT_FEED_INTERVAL', 'changes', 'revoked', 'median s', 'worst s', 'audit searches/min'],
      rows: measures.map((m) => [
        m.interval === 'default' ? 'default (1m)' : `${m.interval} (shorter, not the default)`,
        m.changes,
        m.revoked,
        round(m.medianMs / 1000, 1),
        round(m.worstMs / 1000, 1),
        m.auditRequestsPerMinute,
      ]),
    },
    notes: [
      `The worker command alone against the emulator (${USERS} users, Descope's documented rate limits, audit search included), SCHEDULES_APPLY_ON_START=false so no reconciliation helps; half the changes delete a user, half disable one.`,
      'The emulator indexes audit records at once; real Descope adds its own indexing delay, which AUDIT_FEED_OVERLAP covers for completeness but which adds to the time-to-revoke.',
    ],
    details: { measures },
  };
}

async function measureVariant(ctx: ScenarioContext, interval: string): Promise<VariantMeasure> {
  const intervalMs = interval === 'default' ? 60_000 : (parseDuration(interval) ?? 60_000);
  const rig = await startRig(ctx.servers, {
    seed: 6,
    userCount: USERS,
    testUserCount: 0,
    rateLimits: {},
    projectId: `P2revoke${randomUUID().replace(/-/g, '').slice(0, 16)}`,
  });
  const run = await rig.openRun({ worker: false });
  const worker = await spawnWorker({
    DESCOPE_PROJECT_ID: rig.projectId,
    DESCOPE_MANAGEMENT_KEY: rig.emulator.managementKey,
    DESCOPE_BASE_URL: rig.emulator.url,
    MONGODB_URI: ctx.servers.mongoUri,
    MONGODB_DB: run.store.db.databaseName,
    TEMPORAL_ADDRESS: ctx.servers.temporalAddress,
    TEMPORAL_TASK_QUEUE: run.taskQueue,
    SCHEDULES_APPLY_ON_START: 'false',
    METRICS_PORT: '0',
    ...(interval === 'default' ? {} : { AUDIT_FEED_INTERVAL: interval }),
  });
  try {
    await worker.ready;
    await rig.client.workflow.execute(WORKFLOW_TYPES.backfill, {
      taskQueue: run.taskQueue,
      workflowId: `${workflowIds.backfill(rig.projectId)}-${randomUUID().slice(0, 8)}`,
      args: [{}],
    });
    return await timeChanges(ctx, rig, run, interval, intervalMs);
  } finally {
    await ensureAuditFeed(rig.client, {
      projectId: rig.projectId,
      taskQueue: run.taskQueue,
      intervalMs: 0,
      overlapMs: 0,
      searchAttributes: false,
      reconcile: { overlapMs: 0, maxDeleteFraction: 0.1 },
    }).catch(() => {});
    // A worker that exited by itself fails stop(); its figures above still stand, the log says so.
    await worker.stop().catch(() => ctx.log('  the worker process had already exited when the scenario stopped it'));
    await run.close();
    await rig.close();
  }
}

async function timeChanges(
  ctx: ScenarioContext,
  rig: Rig,
  run: Run,
  interval: string,
  intervalMs: number,
): Promise<VariantMeasure> {
  const changes = ctx.options.revokeChanges;
  const prng = createPrng(6);
  const windowMs = 3 * intervalMs;
  const offsets = Array.from({ length: changes }, () => Math.floor(prng.next() * windowMs)).sort((a, b) => a - b);
  // Enabled users only: disabling one the seed made disabled would be "revoked" before the feed did anything.
  const users = rig.emulator.users
    .all()
    .filter((u) => u.status === 'enabled')
    .slice(0, changes);
  const pending = new Map<string, { kind: 'delete' | 'disable'; atMs: number }>();
  const samplesMs: number[] = [];
  rig.emulator.counters.reset();
  const t0 = performance.now();
  let next = 0;
  while ((next < changes || pending.size > 0) && elapsed(t0) < windowMs + GIVE_UP_MS) {
    while (next < changes && elapsed(t0) >= offsets[next]!) {
      const user = users[next]!;
      const kind = next % 2 === 0 ? 'delete' : 'disable';
      if (kind === 'delete') rig.emulator.users.delete(user.userId);
      else rig.emulator.users.update(user.userId, { status: 'disabled' });
      pending.set(user.userId, { kind, atMs: performance.now() });
      next += 1;
    }
    for (const [userId, change] of pending) {
      const stored = await run.store.getUser(userId);
      const revoked = change.kind === 'delete' ? stored?.meta.deleted === true : stored?.user.status === 'disabled';
      if (!revoked) continue;
      samplesMs.push(performance.now() - change.atMs);
      pending.delete(userId);
    }
    await sleep(200);
  }
  const minutes = elapsed(t0) / 60_000;
  const auditRequests = rig.emulator.counters.total('audit');
  ctx.log(
    `  ${interval}: ${samplesMs.length} of ${changes} revoked; samples (s): ${samplesMs.map((s) => round(s / 1000, 1)).join(', ')}`,
  );
  return {
    interval,
    changes,
    revoked: samplesMs.length,
    medianMs: median(samplesMs),
    worstMs: pending.size > 0 ? Infinity : Math.max(0, ...samplesMs),
    samplesMs,
    auditRequests,
    auditRequestsPerMinute: round(auditRequests / minutes, 2),
    minutes: round(minutes, 2),
  };
}
