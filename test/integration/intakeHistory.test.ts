import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { WORKFLOW_TYPES, workflowIds } from '../../workflows/messages';
import type { IntakeInput, IntakeResult } from '../../workflows/intakeDelivery';

/**
 * The intake's own history, against the real server. Only workflow code runs here: the event workflows it
 * starts wait for activities no worker serves, so they stay running and nothing else is measured.
 */
let connection: Connection;
let client: Client;
let native: NativeConnection;
let worker: Worker;
let running: Promise<void>;
const taskQueue = `intake-${randomUUID()}`;

beforeAll(async () => {
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection });
  native = await NativeConnection.connect({ address: inject('temporalAddress') });
  worker = await Worker.create({
    connection: native,
    taskQueue,
    workflowBundle: { codePath: inject('workflowBundlePath') },
  });
  running = worker.run();
});

afterAll(async () => {
  const query = `WorkflowType = '${WORKFLOW_TYPES.applyEvent}' AND TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'`;
  for await (const wf of client.workflow.list({ query })) {
    await client.workflow
      .getHandle(wf.workflowId)
      .terminate('test over')
      .catch(() => {});
  }
  worker.shutdown();
  await running;
  await native.close();
  await connection.close();
});

const intakeOf = (prefix: string, events: number, startsPerRun: number): IntakeInput => ({
  startsPerRun,
  projectId: 'P2history',
  searchAttributes: false,
  reconcile: { overlapMs: 600_000, maxDeleteFraction: 0.1 },
  events: Array.from({ length: events }, (_, i) => ({
    eventId: `${prefix}-${i}`,
    action: 'UserModified',
    userId: `U${i}`,
    occurredMs: 1_780_000_000_000 + i,
    receivedMs: 1_780_000_000_000 + i,
  })),
  windows: [],
});

async function historyLengths(workflowId: string): Promise<number[]> {
  const lengths: number[] = [];
  for await (const wf of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    const history = await client.workflow.getHandle(workflowId, wf.runId).fetchHistory();
    lengths.push(history.events?.length ?? 0);
  }
  return lengths;
}

describe('an intake keeps its history bounded', () => {
  it('250 events at 100 starts per run: every event workflow started once, in three runs of under four history events per child', async () => {
    const prefix = randomUUID().slice(0, 8);
    const workflowId = workflowIds.intake(prefix);
    const result = (await client.workflow.execute(WORKFLOW_TYPES.intake, {
      taskQueue,
      workflowId,
      args: [intakeOf(prefix, 250, 100)],
      workflowExecutionTimeout: '5 minutes',
    })) as IntakeResult;
    expect(result).toMatchObject({ started: 250, duplicates: 0, runs: 3 });
    const lengths = await historyLengths(workflowId);
    expect(lengths).toHaveLength(3);
    // Two events per child start, plus workflow tasks as the starts come back (spread out on a busy server):
    // under 4 per child, so a run of 1,000 stays far below Temporal's 10,240-event warning.
    expect(Math.max(...lengths)).toBeLessThan(4 * 100 + 30);
    const { count } = await client.workflow.count(
      `WorkflowType = '${WORKFLOW_TYPES.applyEvent}' AND TaskQueue = '${taskQueue}' AND WorkflowId STARTS_WITH 'descope-event-${prefix}-'`,
    );
    expect(count).toBe(250);
  }, 300_000);
});
