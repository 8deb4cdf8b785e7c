import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { WORKFLOW_TYPES, pauseSignal, resumeSignal, workflowIds } from '../../workflows/messages';
import { feedProgressQuery } from '../../workflows/messages';
import { ensureAuditFeed } from '../../src/temporal/auditFeed';
import { startStack, waitUntil, type Stack } from '../fixtures/stack';

const historiesDir = join(import.meta.dirname, '../fixtures/histories');
const record = process.env.RECORD_HISTORIES === '1';

/**
 * Determinism guard. Histories recorded from real runs (committed under test/fixtures/histories) must
 * replay against today's workflow code; a change that would break running workflows fails here.
 * RECORD_HISTORIES=1 re-records them from fresh runs.
 *
 * The rule (README, "Changing workflows"): until the first release there are no production histories, so a
 * workflow change re-records these fixtures. After a release, every workflow change keeps running histories
 * replaying: it goes behind `patched()` and adds a fixture of the old shape next to these.
 */
describe('workflow determinism', () => {
  let stack: Stack;
  const fresh: { name: string; history: unknown }[] = [];

  beforeAll(async () => {
    stack = await startStack({ emulator: { seed: 11, userCount: 300, testUserCount: 5 } });
    await stack.startWorker();
    const backfill = await stack.client.workflow.start(WORKFLOW_TYPES.backfill, {
      taskQueue: stack.taskQueue,
      workflowId: workflowIds.backfill(stack.projectId),
      args: [{ pageSize: 50 }],
    });
    await backfill.signal(pauseSignal);
    await backfill.signal(resumeSignal);
    await backfill.result();
    const user = stack.emulator.users.all()[0]!;
    const apply = await stack.client.workflow.start(WORKFLOW_TYPES.applyEvent, {
      taskQueue: stack.taskQueue,
      workflowId: workflowIds.event('replay-test'),
      args: [{ eventId: 'replay-test', action: 'UserModified', userId: user.userId, occurredMs: Date.now() }],
    });
    await apply.result();
    const second = stack.emulator.users.all()[1]!;
    const intake = await stack.client.workflow.start(WORKFLOW_TYPES.intake, {
      taskQueue: stack.taskQueue,
      workflowId: workflowIds.intake('replay-test'),
      args: [
        {
          projectId: stack.projectId,
          searchAttributes: false,
          reconcile: { overlapMs: 600_000, maxDeleteFraction: 0.1 },
          events: [
            { eventId: 'replay-intake-1', action: 'UserModified', userId: second.userId, receivedMs: Date.now() },
            { eventId: 'replay-intake-2', action: 'UsersModified', userIds: [user.userId, second.userId] },
          ],
          windows: [],
        },
      ],
    });
    await intake.result();
    await waitUntil('the intake children to finish', async () => {
      const { count } = await stack.client.workflow.count(
        `TaskQueue = '${stack.taskQueue}' AND ExecutionStatus = 'Running'`,
      );
      return count === 0;
    });
    stack.emulator.users.delete(user.userId);
    const sweep = await stack.client.workflow.start(WORKFLOW_TYPES.reconcile, {
      taskQueue: stack.taskQueue,
      workflowId: workflowIds.reconcileRun(stack.projectId, 'replay-test'),
      args: [{ mode: 'full' }],
    });
    await sweep.result();
    // The audit feed: a poll that hands a record over, a pause and a resume, then turned off (cancelled).
    const feedOptions = {
      projectId: stack.projectId,
      taskQueue: stack.taskQueue,
      intervalMs: 500,
      overlapMs: 5000,
      pageDelayMs: 200,
      searchAttributes: false,
      reconcile: { overlapMs: 600_000, maxDeleteFraction: 0.1 },
    };
    await ensureAuditFeed(stack.client, feedOptions);
    const feed = stack.client.workflow.getHandle(workflowIds.auditFeed(stack.projectId));
    await waitUntil('a first feed poll', async () => (await feed.query(feedProgressQuery)).polls >= 1);
    stack.emulator.users.update(second.userId, { givenName: 'Replayed' });
    await waitUntil('the feed to hand the change over', async () => (await feed.query(feedProgressQuery)).events >= 1);
    await feed.signal(pauseSignal);
    await feed.signal(resumeSignal);
    await waitUntil('two more polls', async () => (await feed.query(feedProgressQuery)).polls >= 3);
    await ensureAuditFeed(stack.client, { ...feedOptions, intervalMs: 0 });
    await waitUntil('the feed to end', async () => (await feed.describe()).status.name !== 'RUNNING');
    for (const [name, handle] of [
      ['auditFeed', feed],
      ['backfillUsers', backfill],
      ['applyAuditEvent', apply],
      ['intakeDelivery', intake],
      ['reconcileUsers-full', sweep],
    ] as const) {
      fresh.push({ name, history: await handle.fetchHistory() });
    }
    if (record) {
      for (const { name, history } of fresh) {
        writeFileSync(join(historiesDir, `${name}.json`), historyToJSON(history as never));
      }
    }
  });
  afterAll(() => stack?.close());

  it('replays the histories of fresh runs of every workflow', async () => {
    for (const { name, history } of fresh) {
      await expect(
        Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history as never, name),
      ).resolves.toBeUndefined();
    }
  });

  it('replays every committed history recorded by earlier versions', async () => {
    const files = existsSync(historiesDir) ? readdirSync(historiesDir).filter((f) => f.endsWith('.json')) : [];
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const file of files) {
      const history = JSON.parse(readFileSync(join(historiesDir, file), 'utf8')) as never;
      await expect(
        Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, file),
      ).resolves.toBeUndefined();
    }
  });
});
