import type { RunningEmulator } from '../../src/emulator';
import type { DescopeUser, MongoStore } from '../../src/store';
import { WORKFLOW_TYPES, workflowIds } from '../../workflows/messages';
import { round, sleep } from '../stats';
import { startDeployment } from '../webhookServer';
import type { Rig } from '../rig';
import type { BenchServers } from '../servers';

/** Descope requests the event path makes: batch loads, single loads, searches (the userIds confirmations). */
export function descopeRequests(emulator: RunningEmulator): number {
  return ['loadUsers', 'load', 'search'].reduce((n, endpoint) => n + emulator.counters.total(endpoint), 0);
}

export interface BatchEventCost {
  users: number;
  seconds: number;
  requests: number;
  /** The bound for it: ceil(users / 100) + 2. */
  allowed: number;
}

/**
 * One batch event naming `users` users, through the deployed webhook and worker: `UsersCreated` for users new to
 * the copy, or `UsersModified` for users the copy holds already (stored first, then changed in the emulator).
 */
export async function batchEventCost(
  rig: Rig,
  servers: BenchServers,
  users: number,
  action: 'UsersCreated' | 'UsersModified' = 'UsersCreated',
): Promise<BatchEventCost> {
  const run = await rig.openRun({ worker: false });
  const webhook = await startDeployment(rig, run, servers);
  try {
    const created = rig.emulator.users.createMany(
      Array.from({ length: users }, (_, i) => ({ email: `batch-${i}-${run.taskQueue}@bench.example` })),
    );
    if (action === 'UsersModified') {
      const observedAt = Date.now();
      await run.store.writeUsers(
        created.map((user) => ({ kind: 'snapshot' as const, user: user as unknown as DescopeUser, observedAt })),
        'backfill',
      );
      rig.emulator.users.updateMany(created.map((u) => ({ userId: u.userId, patch: { givenName: 'Batched' } })));
    }
    rig.emulator.counters.reset();
    const id = `batch-${action}-${users}-${run.taskQueue}`;
    const t0 = Date.now();
    const event = { ID: id, action, occurred: t0, actorId: 'bench', data: {} };
    const response = await webhook.post([{ ...event, userIds: created.map((u) => u.userId) }]);
    if (response.status !== 200) throw new Error(`batch event refused: ${response.status}`);
    await recorded(run.store, [id], 300_000);
    return {
      users,
      seconds: round((Date.now() - t0) / 1000, 1),
      requests: descopeRequests(rig.emulator),
      allowed: Math.ceil(users / 100) + 2,
    };
  } finally {
    await webhook.close();
    await run.close();
  }
}

/**
 * The server's ceiling for a one-activity workflow on this machine: `count` applyAuditEvent workflows naming
 * no users (one activity that reads nothing and records the event), started directly, run by the same
 * deployed worker. Applies per second are compared with it.
 */
export async function oneActivityCeiling(rig: Rig, servers: BenchServers, count: number): Promise<number> {
  const run = await rig.openRun({ worker: false });
  const webhook = await startDeployment(rig, run, servers);
  try {
    const ids = Array.from({ length: count }, (_, i) => `ceiling-${i}-${run.taskQueue}`);
    const t0 = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < ids.length) {
          const eventId = ids[next++]!;
          await rig.client.workflow.start(WORKFLOW_TYPES.applyEvent, {
            taskQueue: run.taskQueue,
            workflowId: workflowIds.event(eventId),
            args: [{ eventId, action: 'ceiling', userIds: [], receivedMs: Date.now() }],
          });
        }
      }),
    );
    await recorded(run.store, ids, 300_000);
    return round(count / ((Date.now() - t0) / 1000));
  } finally {
    await webhook.close();
    await run.close();
  }
}

async function recorded(store: MongoStore, ids: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const done = await store.events.countDocuments({ _id: { $in: ids }, appliedAt: { $exists: true } });
    if (done === ids.length) return;
    if (Date.now() > deadline) throw new Error(`${done} of ${ids.length} events applied in time`);
    await sleep(250);
  }
}
