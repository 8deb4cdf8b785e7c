import { afterEach, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { WORKFLOW_TYPES, progressQuery, workflowIds, type ScanResult } from '../../workflows/messages';
import { countDifferences, expectExactCopy, startStack, waitUntil, type Stack } from '../fixtures/stack';
import { killed, spawnWorker } from '../fixtures/workerProcess';
import { recordReliability } from '../fixtures/reliability';

let stack: Stack | undefined;
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) await killed(child);
  await stack?.close();
  stack = undefined;
});

describe('backfill under failures', () => {
  it('survives its worker being SIGKILLed mid-run, and the restart resumes instead of starting over', async () => {
    stack = await startStack({ emulator: { seed: 61, userCount: 2000, testUserCount: 0 } });
    stack.emulator.faults.set({ latencyMs: 40 });
    const first = spawnWorker(stack);
    children.push(first);
    const handle = await stack.client.workflow.start(WORKFLOW_TYPES.backfill, {
      taskQueue: stack.taskQueue,
      workflowId: workflowIds.backfill(stack.projectId),
      args: [{ pageSize: 20 }],
    });
    await waitUntil('a third of the pages', async () => (await handle.query(progressQuery)).pages >= 35, 90_000);
    await killed(first);
    const second = spawnWorker(stack);
    children.push(second);
    const result: ScanResult = await handle.result();
    recordReliability({
      fault: 'Worker SIGKILLed mid-backfill, restarted',
      injected: 1,
      outcome: `completed; ${stack.emulator.counters.total('search') - result.requests} searches repeated`,
      lost: await countDifferences(stack),
    });
    await expectExactCopy(stack);
    // Starting over would have repeated ~35 searches; a resumed run repeats at most the page in flight.
    expect(stack.emulator.counters.total('search')).toBeLessThanOrEqual(result.requests + 2);
  });

  it('waits out every 429 for at least Retry-After, and completes with an exact copy', async () => {
    stack = await startStack({
      emulator: {
        seed: 62,
        userCount: 600,
        testUserCount: 0,
        rateLimits: { search: { limit: 5, windowMs: 1000, blockMs: 2000 } },
      },
    });
    await stack.startWorker({ searchRpm: 60_000 });
    const result: ScanResult = await stack.client.workflow.execute(WORKFLOW_TYPES.backfill, {
      taskQueue: stack.taskQueue,
      workflowId: workflowIds.backfill(stack.projectId),
      args: [{ pageSize: 20 }],
    });
    const log = stack.emulator.counters.log('search');
    const limited = log.filter((e) => e.status === 429);
    recordReliability({
      fault: 'Descope 429 storm (scaled-down rate limit)',
      injected: limited.length,
      outcome: 'every 429 waited out for Retry-After; backfill completed',
      lost: await countDifferences(stack),
    });
    await expectExactCopy(stack);
    expect(limited.length).toBeGreaterThan(0);
    for (const hit of limited) {
      const next = log.find((e) => e.at > hit.at);
      // Retry-After is 2 s here; allow a little scheduling slack under it for clock granularity.
      if (next) expect(next.at - hit.at).toBeGreaterThanOrEqual(1900);
    }
    expect(result.requests).toBe(log.filter((e) => e.status === 200).length);
    const counted = (await stack.metrics.rateLimited.get()).values.reduce((sum, v) => sum + v.value, 0);
    expect(counted).toBe(limited.length);
  });

  it('keeps to the shared search budget (DESCOPE_SEARCH_RPM) enforced by the task queue', async () => {
    stack = await startStack({ emulator: { seed: 63, userCount: 400, testUserCount: 0 } });
    await stack.startWorker({ searchRpm: 240 }); // 4 requests a second
    await stack.client.workflow.execute(WORKFLOW_TYPES.backfill, {
      taskQueue: stack.taskQueue,
      workflowId: workflowIds.backfill(stack.projectId),
      args: [{ pageSize: 20 }],
    });
    const log = stack.emulator.counters.log('search');
    expect(log.length).toBeGreaterThanOrEqual(20);
    const seconds = (log[log.length - 1]!.at - log[0]!.at) / 1000;
    // n requests at 4/s need at least (n - burst) / 4 seconds; Temporal's limiter allows a burst of about 1 s.
    expect(log.length / Math.max(seconds, 0.001)).toBeLessThanOrEqual(4 * 1.3);
    await expectExactCopy(stack);
  });
});
