import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterEach, describe, expect, it } from 'vitest';
import { cacheDir, startTemporalServer, type TemporalServer } from '../../src/servers';
import { WORKFLOW_TYPES, progressQuery, workflowIds } from '../../workflows/messages';
import { countDifferences, startStack, waitUntil, type Stack } from '../fixtures/stack';
import { recordReliability } from '../fixtures/reliability';
import { startWebhook } from '../fixtures/webhook';

const cleanups: (() => Promise<unknown>)[] = [];
let stack: Stack | undefined;
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => {});
  await stack?.close();
  stack = undefined;
});

describe('Temporal itself failing', () => {
  it('the dev server SIGKILLed mid-backfill and restarted on its database: the backfill completes exactly', async () => {
    const dbFile = join(cacheDir(), 'data', `temporal-outage-${Date.now()}`, 'temporal.db');
    let temporal: TemporalServer = await startTemporalServer({ dbFile, ui: false });
    const port = Number(temporal.address.split(':')[1]);
    cleanups.push(() => temporal.stop());
    stack = await startStack({ emulator: { seed: 84, userCount: 1500, testUserCount: 0 } });
    stack.emulator.faults.set({ latencyMs: 20 });
    const connection = await Connection.connect({ address: temporal.address });
    cleanups.push(() => connection.close());
    const client = new Client({ connection });
    await stack.startWorker({ temporalAddress: temporal.address, searchRpm: 60_000, loadRpm: 60_000 });
    cleanups.push(() => stack!.stopWorker()); // before the server it talks to stops
    const handle = await client.workflow.start(WORKFLOW_TYPES.backfill, {
      taskQueue: stack.taskQueue,
      workflowId: workflowIds.backfill(stack.projectId),
      args: [{ pageSize: 20 }],
    });
    await waitUntil('a quarter of the pages', async () => (await handle.query(progressQuery)).pages >= 20, 90_000);
    temporal.process.kill('SIGKILL');
    await new Promise((r) => temporal.process.once('exit', r));
    await new Promise((r) => setTimeout(r, 3000));
    temporal = await startTemporalServer({ dbFile, ui: false, port });
    await handle.result();
    const lost = await countDifferences(stack);
    recordReliability({
      fault: 'Temporal dev server SIGKILLed mid-backfill, restarted on its database file',
      injected: 1,
      outcome: 'backfill resumed and completed',
      lost,
    });
    expect(lost).toBe(0);
    expect(stack.workersRunning()).toBe(true);
  }, 240_000);
});

describe('Temporal failing right after a webhook acknowledgement', () => {
  it('the dev server SIGKILLed once a 40-event delivery is acknowledged: after restart its intake starts every event workflow and MongoDB is exact', async () => {
    const dbFile = join(cacheDir(), 'data', `intake-outage-${Date.now()}`, 'temporal.db');
    let temporal: TemporalServer = await startTemporalServer({ dbFile, ui: false });
    const port = Number(temporal.address.split(':')[1]);
    cleanups.push(() => temporal.stop());
    stack = await startStack({ emulator: { seed: 85, userCount: 0, testUserCount: 0 } });
    const connection = await Connection.connect({ address: temporal.address });
    cleanups.push(() => connection.close());
    const client = new Client({ connection });
    const webhook = await startWebhook({
      client,
      store: stack.store,
      taskQueue: stack.taskQueue,
      projectId: stack.projectId,
    });
    cleanups.push(() => webhook.close());
    for (let i = 0; i < 40; i++) stack.emulator.users.create({ email: `outage-${i}@example.com` });
    const events = stack.emulator.audit.events();
    // No worker yet: the acknowledgement alone must make the delivery durable.
    const reply = await webhook.post(events);
    expect(reply.status).toBe(200);
    temporal.process.kill('SIGKILL');
    await new Promise((r) => temporal.process.once('exit', r));
    temporal = await startTemporalServer({ dbFile, ui: false, port });
    await stack.startWorker({ temporalAddress: temporal.address, searchRpm: 60_000, loadRpm: 60_000 });
    cleanups.push(() => stack!.stopWorker()); // before the server it talks to stops
    await waitUntil('every acknowledged event applied', async () => (await countDifferences(stack!)) === 0, 120_000);
    const { count } = await client.workflow.count(
      `WorkflowType = '${WORKFLOW_TYPES.applyEvent}' AND TaskQueue = '${stack.taskQueue}'`,
    );
    recordReliability({
      fault: 'Temporal dev server SIGKILLed right after a 40-event webhook delivery was acknowledged',
      injected: 1,
      outcome: `${count} event workflows for 40 events after restart`,
      lost: await countDifferences(stack),
    });
    expect(count).toBe(40);
  }, 240_000);
});
