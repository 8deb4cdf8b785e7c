import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { WORKFLOW_TYPES, pauseSignal, resumeSignal, workflowIds } from '../../workflows/messages';
import { startStack, type Stack } from '../fixtures/stack';

const historiesDir = join(import.meta.dirname, '../fixtures/histories');
const record = process.env.RECORD_HISTORIES === '1';

/**
 * Determinism guard. Histories recorded from real runs (committed under test/fixtures/histories) must
 * replay against today's workflow code; a change that would break running workflows fails here.
 * RECORD_HISTORIES=1 re-records them from fresh runs.
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
    stack.emulator.users.delete(user.userId);
    const sweep = await stack.client.workflow.start(WORKFLOW_TYPES.reconcile, {
      taskQueue: stack.taskQueue,
      workflowId: workflowIds.reconcileRun(stack.projectId, 'replay-test'),
      args: [{ mode: 'full' }],
    });
    await sweep.result();
    for (const [name, handle] of [
      ['backfillUsers', backfill],
      ['applyAuditEvent', apply],
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
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const file of files) {
      const history = JSON.parse(readFileSync(join(historiesDir, file), 'utf8')) as never;
      await expect(
        Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, file),
      ).resolves.toBeUndefined();
    }
  });
});
