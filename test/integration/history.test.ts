import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, onTestFinished } from 'vitest';
import { sweepActivities } from '../../activities/sweep';
import { MongoStore, type DescopeUser, type UserObservation } from '../../src/store';
import { HISTORY_STATE_ID, versionAt } from '../../src/store/historyRead';
import { WORKFLOW_TYPES, workflowIds } from '../../workflows/messages';
import { jsonOf, runCli } from '../fixtures/cli';
import { startStack, waitForWorkflowsToSettle, waitUntil, type Stack } from '../fixtures/stack';
import { batches, makeTimeline, observations, prng, shuffled, truthAt } from '../fixtures/userTimeline';
import { startWebhook, type RunningWebhook } from '../fixtures/webhook';

/** What the history says, without ids and hashes (they differ between users with the same life). */
async function lifeOf(store: MongoStore, userId: string) {
  return (await store.userHistory(userId)).map((v) => ({
    validFrom: v.validFrom,
    validTo: v.validTo,
    deleted: v.deleted,
    roles: v.user?.roleNames ?? null,
    modifiedTime: v.modifiedTime,
  }));
}

describe('user_history on the real MongoDB-wire server', () => {
  let store: MongoStore;
  beforeAll(async () => {
    store = await MongoStore.connect(inject('mongoUri'), `history_${randomUUID().slice(0, 8)}`);
    await store.ensureIndexes();
  });
  afterAll(async () => {
    await store.db.dropDatabase().catch(() => {});
    await store.close();
  });

  it('observations written in random orders and batches (retried calls included) give one history, which ends where users does', async () => {
    const started = Date.now();
    let writes = 0;
    for (let seed = 1; seed <= 24; seed++) {
      const rand = prng(seed * 31);
      const ids = ['inorder', 'a', 'b'].map((tag) => `U${seed}-${tag}`);
      const timelines = ids.map((id) => makeTimeline(seed, id));
      const sorted = observations(timelines[0]!, ids[0]!).sort((x, y) => x.observedAt - y.observedAt);
      for (const obs of sorted) await store.writeUsers([obs], 'reconcile');
      // The other two users live the same life; their observations arrive shuffled, several users per call.
      const mixed = shuffled(rand, [...observations(timelines[1]!, ids[1]!), ...observations(timelines[2]!, ids[2]!)]);
      for (const call of batches(rand, mixed, 5)) {
        await store.writeUsers(call, 'event');
        if (rand() < 0.2) await store.writeUsers(call, 'event'); // an activity retried after its write landed
        writes += 1;
      }
      const expected = await lifeOf(store, ids[0]!);
      expect(expected.length, `seed ${seed}`).toBeGreaterThan(0);
      for (const [i, id] of ids.entries()) {
        expect(await lifeOf(store, id), `seed ${seed} ${id}`).toEqual(expected);
        const versions = await store.userHistory(id);
        const stored = await store.getUser(id);
        const last = versions.at(-1)!;
        expect(last.deleted, `seed ${seed} ${id}`).toBe(stored!.meta.deleted);
        if (!last.deleted) expect(last.user, `seed ${seed} ${id}`).toEqual(stored!.user);
        // "Which roles did this user have at T", at every time a read (not lagging) saw the current state.
        for (const read of timelines[i]!.reads.filter((r) => r.lag === 0)) {
          const truth = truthAt(timelines[i]!, read.at);
          const at = versionAt(versions, read.at);
          expect(at?.deleted, `seed ${seed} ${id} at ${read.at}`).toBe(truth === null);
          expect(at?.user?.roleNames ?? null, `seed ${seed} ${id} at ${read.at}`).toEqual(truth?.roleNames ?? null);
        }
      }
    }
    console.log(`history property: 24 seeds, ${writes} shuffled writes in ${Date.now() - started} ms`);
  });

  it('a re-read that the history skipped as unchanged is recorded when a late deletion lands before it (the history ends where users does)', async () => {
    const user = (roles: string[]): DescopeUser => ({ userId: 'Ulate', modifiedTime: 7, roleNames: roles });
    await store.writeUsers([{ kind: 'snapshot', user: user(['a']), observedAt: 1000 }], 'backfill');
    await store.writeUsers([{ kind: 'snapshot', user: user(['a']), observedAt: 3000 }], 'sweep');
    // A deletion observed at 2000 arrives late: users keeps the live read of 3000 (observed after it).
    await store.writeUsers([{ kind: 'absent', userId: 'Ulate', observedAt: 2000 }], 'event');
    expect((await store.getUser('Ulate'))?.meta.deleted).toBe(false);
    expect((await store.userHistory('Ulate')).map((v) => [v.validFrom, v.deleted, v.source])).toEqual([
      [1000, false, 'backfill'],
      [2000, true, 'event'],
      [3000, false, 'sweep'],
    ]);
  });

  it('a user the server refuses gets no version (it is in refused); a state only the history cannot hold keeps its version', async () => {
    const nested: DescopeUser = { userId: 'Unested', modifiedTime: 1, customAttributes: { grid: [[1, 2]] } };
    const result = await store.writeUsers([{ kind: 'snapshot', user: nested, observedAt: 1000 }], 'backfill');
    const refusedByServer = result.refused === 1;
    if (refusedByServer) {
      expect(await store.userHistory('Unested')).toEqual([]);
      expect(await store.refused.countDocuments({ _id: 'Unested' })).toBe(1);
    } else {
      // Real MongoDB stores nested arrays: then the history holds the state too.
      expect((await store.userHistory('Unested'))[0]?.user).toEqual(nested);
    }
    const fine: DescopeUser = { userId: 'Unested', modifiedTime: 2, customAttributes: { grid: [1, 2] } };
    await store.writeUsers([{ kind: 'snapshot', user: fine, observedAt: 2000 }], 'reconcile');
    expect((await store.userHistory('Unested')).at(-1)?.user).toEqual(fine);
  });

  it('HISTORY_RETENTION: the sweep housekeeping drops versions superseded before the cut-off and keeps the one in force then', async () => {
    const store = await MongoStore.connect(inject('mongoUri'), `prune_${randomUUID().slice(0, 8)}`);
    await store.ensureIndexes();
    onTestFinished(async () => {
      await store.db.dropDatabase().catch(() => {});
      await store.close();
    });
    const obs = (t: number, roles: string[] | null): UserObservation =>
      roles === null
        ? { kind: 'absent', userId: 'Uprune', observedAt: t }
        : { kind: 'snapshot', user: { userId: 'Uprune', modifiedTime: t / 1000, roleNames: roles }, observedAt: t };
    for (const o of [obs(1000, ['a']), obs(2000, ['b']), obs(3000, ['c']), obs(9000, null)]) {
      await store.writeUsers([o], 'event');
    }
    await store.writeUsers(
      [{ kind: 'snapshot', user: { userId: 'Ukeep', roleNames: ['x'] }, observedAt: 500 }],
      'event',
    );
    const before = await store.userHistory('Uprune');
    const housekeeping = sweepActivities({
      store,
      historyRetentionMs: 1000,
      now: () => 3500,
      descope: undefined as never,
      projectId: 'P',
    });
    await housekeeping.pruneEventRecords();
    const after = await store.userHistory('Uprune');
    expect(after.map((v) => v.validFrom)).toEqual([2000, 3000, 9000]);
    for (const t of [2000, 2500, 3000, 5000, 9000, 10_000]) expect(versionAt(after, t)).toEqual(versionAt(before, t));
    expect((await store.userHistory('Ukeep')).map((v) => v.validFrom)).toEqual([500]); // in force at the cut-off
    expect(await store.getState(HISTORY_STATE_ID)).toMatchObject({
      lastPrune: { beforeMs: 2500, pruned: 1, complete: true },
    });
  });
});

describe('history of users synced end to end (Temporal, FerretDB, emulator, webhook) and the history CLI', () => {
  let stack: Stack | undefined;
  let webhook: RunningWebhook | undefined;
  afterEach(async () => {
    await webhook?.close();
    await stack?.close();
  });

  it('backfill, a role change by event, an unchanged sweep, a deletion and a resurrection: each a version; history answers --at', async () => {
    const s = (stack = await startStack({ emulator: { seed: 71, userCount: 12, testUserCount: 0 } }));
    await s.startWorker();
    await s.client.workflow.execute(WORKFLOW_TYPES.backfill, {
      taskQueue: s.taskQueue,
      workflowId: workflowIds.backfill(s.projectId),
      args: [{}],
    });
    const users = s.emulator.users.all();
    expect(await s.store.history.countDocuments({})).toBe(12);
    const target = users[0]!;
    expect(await s.store.userHistory(target.userId)).toMatchObject([{ source: 'backfill', validTo: null }]);

    webhook = await startWebhook({ client: s.client, store: s.store, taskQueue: s.taskQueue, projectId: s.projectId });
    s.emulator.webhook.configure({
      enabled: true,
      url: webhook.url,
      auth: { type: 'bearer', token: webhook.token },
      delayMs: 50,
    });
    const applied = async (what: string, versions: number) => {
      await s.emulator.webhook.flush();
      await waitUntil(what, async () => (await s.store.userHistory(target.userId)).length === versions, 90_000);
      await waitForWorkflowsToSettle(s, 90_000);
    };
    s.emulator.users.update(target.userId, { roleNames: ['Auditor', 'Editor'] });
    await applied('the role change as a second version', 2);

    // A full sweep re-reads every user: nothing changed, so nothing is added.
    await s.client.workflow.execute(WORKFLOW_TYPES.reconcile, {
      taskQueue: s.taskQueue,
      workflowId: workflowIds.reconcileRun(s.projectId, 'history-sweep'),
      args: [{ mode: 'full' }],
    });
    expect(await s.store.history.countDocuments({})).toBe(13);

    s.emulator.users.delete(target.userId);
    await applied('the deletion as a tombstone version', 3);
    const back = s.emulator.users.create({ userId: target.userId, email: 'back@example.com', roleNames: ['Viewer'] });
    await applied('the resurrection as a fourth version', 4);

    const versions = await s.store.userHistory(target.userId);
    expect(versions.map((v) => [v.source, v.deleted, v.user?.roleNames ?? null])).toEqual([
      ['backfill', false, target.roleNames ?? []],
      ['event', false, ['Auditor', 'Editor']],
      ['event', true, null],
      ['event', false, ['Viewer']],
    ]);
    for (const [i, v] of versions.entries()) expect(v.validTo).toBe(versions[i + 1]?.validFrom ?? null);
    expect(versions.at(-1)!.user).toEqual(s.emulator.users.get(target.userId));

    // The CLI, as an operator runs it.
    const iso = (ms: number) => new Date(ms).toISOString();
    const human = await runCli(s, ['history', target.userId]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain(`History of ${target.userId}: 4 versions`);
    expect(human.stdout).toMatch(/event +deleted/);
    expect(human.stdout).toContain('roles: Auditor, Editor');

    const json = jsonOf<{ userId: string; versions: { source: string; roles: string[]; status: string }[] }>(
      await runCli(s, ['history', target.userId, '--json']),
    );
    expect(json.versions.map((v) => [v.source, v.status, v.roles])).toEqual([
      ['backfill', target.status, target.roleNames ?? []],
      ['event', target.status, ['Auditor', 'Editor']],
      ['event', 'deleted', []],
      ['event', back.status, ['Viewer']],
    ]);

    const during = versions[1]!.validFrom + Math.floor((versions[2]!.validFrom - versions[1]!.validFrom) / 2);
    const at = jsonOf<{ version: { roles: string[]; validFrom: string; validTo: string } }>(
      await runCli(s, ['history', target.userId, '--at', iso(during), '--json']),
    );
    expect(at.version).toMatchObject({
      roles: ['Auditor', 'Editor'],
      validFrom: iso(versions[1]!.validFrom),
      validTo: iso(versions[2]!.validFrom),
    });
    const gone = await runCli(s, ['history', target.userId, '--at', iso(versions[2]!.validFrom)]);
    expect(gone.stdout).toContain(`${target.userId} at ${iso(versions[2]!.validFrom)}: deleted`);
    const humanAt = await runCli(s, ['history', target.userId, '--at', iso(during)]);
    expect(humanAt.stdout).toContain('roles: Auditor, Editor');

    const before = await runCli(s, ['history', target.userId, '--at', '2001-01-01T00:00:00Z']);
    expect(before.code).toBe(1);
    expect(before.stdout).toContain('not in the copy yet');
    expect((await runCli(s, ['history', 'U-nobody'])).code).toBe(1);
    const bad = await runCli(s, ['history', target.userId, '--at', 'yesterday']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--at');
  });
});
