import type { Client } from '@temporalio/client';
import { canonicalJson, fromUserDocument, type UserDocument } from '../../src/store';
import type { Deployment } from './deployment';

/** One broken invariant: its name, how many cases, and a few of them to start a diagnosis from. */
export interface Divergence {
  invariant: string;
  count: number;
  detail: string;
  samples: unknown[];
}

export interface FailedWorkflow {
  workflowId: string;
  type: string;
  reason: string;
}

export interface CheckInput {
  deployment: Deployment;
  /** Descope test users: never stored live (INCLUDE_TEST_USERS defaults to false), else left out. */
  testIds: Set<string>;
  /** Every user id seen stored at an earlier checkpoint: a stored document never disappears. */
  seenStored: Set<string>;
  searchRpm: number;
  loadRpm: number;
}

/**
 * The failures the product chooses on purpose: a scan that keeps getting short pages, a sweep refused by the
 * deletion guard, bad input. Anything else (a timeout, a 5xx, a crash) is transient and must be retried.
 */
const DELIBERATE_FAILURE =
  /ShortPage|short page|Mass-deletion guard|DescopeRequestError|DescopeAuthError|invalid input/i;

/** The invariants after a settle: an exact copy, tombstones, visible failures, the request budget. */
export async function checkInvariants(
  input: CheckInput,
): Promise<{ divergences: Divergence[]; failed: FailedWorkflow[] }> {
  const { deployment } = input;
  const divergences = [...(await compareUsers(input)), ...budgetDivergences(input)];
  const failed = await failedWorkflows(deployment.client, deployment.taskQueue);
  const silent = failed.filter((f) => !f.reason.trim());
  if (silent.length) divergences.push(divergence('failures-visible', silent, 'workflows failed without a message'));
  const transient = failed.filter((f) => f.reason.trim() && !DELIBERATE_FAILURE.test(f.reason));
  if (transient.length)
    divergences.push(divergence('failures-deliberate', transient, 'workflows failed on a transient fault'));
  const dead = deployment.deadProcesses();
  if (dead.length) divergences.push(divergence('processes-up', dead, 'product processes exited by themselves'));
  return { divergences, failed };
}

async function compareUsers(input: CheckInput): Promise<Divergence[]> {
  const { deployment, testIds, seenStored } = input;
  const docs = (await deployment.store.users.find({}).toArray()) as UserDocument[];
  const stored = new Map(docs.filter((d) => !testIds.has(d.userId)).map((d) => [d.userId, d]));
  const expected = deployment.emulator.users.all().filter((u) => !u.test && !testIds.has(u.userId));
  const expectedIds = new Set(expected.map((u) => u.userId));
  const missing: string[] = [];
  const tombstonedLive: string[] = [];
  const different: { userId: string; fields: string[] }[] = [];
  for (const user of expected) {
    const doc = stored.get(user.userId);
    if (!doc) missing.push(user.userId);
    else if (doc._sync.deleted) tombstonedLive.push(user.userId);
    else {
      const fields = differingFields(fromUserDocument(doc), user as unknown as Record<string, unknown>);
      if (fields.length) different.push({ userId: user.userId, fields });
    }
  }
  const liveDeleted = [...stored.values()].filter((d) => !expectedIds.has(d.userId) && !d._sync.deleted);
  // INCLUDE_TEST_USERS is false (the default): scans and events alike store no test user.
  const liveTest = docs.filter((d) => testIds.has(d.userId) && !d._sync.deleted).map((d) => d.userId);
  const vanished = [...seenStored].filter((id) => !testIds.has(id) && !stored.has(id));
  for (const id of stored.keys()) seenStored.add(id);
  const out: Divergence[] = [];
  if (missing.length) out.push(divergence('exact-copy/missing', missing, 'Descope users not stored'));
  if (tombstonedLive.length)
    out.push(divergence('exact-copy/tombstoned', tombstonedLive, 'Descope users stored as deleted'));
  if (different.length) out.push(divergence('exact-copy/fields', different, 'stored users whose fields differ'));
  const liveIds = liveDeleted.map((d) => d.userId);
  if (liveIds.length) out.push(divergence('tombstones', liveIds, 'users Descope deleted, stored as live'));
  if (liveTest.length) out.push(divergence('test-users-excluded', liveTest, 'test users stored as live'));
  if (vanished.length) out.push(divergence('no-vanishing', vanished, 'stored documents that disappeared'));
  return out;
}

function differingFields(stored: Record<string, unknown>, expected: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(stored), ...Object.keys(expected)]);
  return [...keys].filter((k) => canonicalJson(stored[k]) !== canonicalJson(expected[k])).sort();
}

/** Descope's requests per sliding 60 s window, per budget, against the worker's configured RPM. */
function budgetDivergences(input: CheckInput): Divergence[] {
  const log = input.deployment.emulator.counters.log();
  const budgets: [string, string[], number][] = [
    ['search', ['search'], input.searchRpm],
    ['load', ['load', 'loadUsers'], input.loadRpm],
  ];
  const out: Divergence[] = [];
  for (const [name, endpoints, rpm] of budgets) {
    const peak = peakPerMinute(log.filter((e) => endpoints.includes(e.endpoint)).map((e) => e.at));
    if (peak.count > rpm) {
      out.push({
        invariant: `budget/${name}`,
        count: peak.count,
        detail: `${peak.count} ${name} requests in the 60 s from ${new Date(peak.from).toISOString()}, budget ${rpm}/min`,
        samples: [],
      });
    }
  }
  return out;
}

export function peakPerMinute(times: number[]): { count: number; from: number } {
  const sorted = [...times].sort((a, b) => a - b);
  let best = { count: 0, from: 0 };
  for (let lo = 0, hi = 0; hi < sorted.length; hi++) {
    while (sorted[hi]! - sorted[lo]! >= 60_000) lo++;
    if (hi - lo + 1 > best.count) best = { count: hi - lo + 1, from: sorted[lo]! };
  }
  return best;
}

/** Failed and timed-out workflows on the deployment's task queue, each with the message Temporal shows. */
export async function failedWorkflows(client: Client, taskQueue: string): Promise<FailedWorkflow[]> {
  const query = `TaskQueue = '${taskQueue}' AND (ExecutionStatus = 'Failed' OR ExecutionStatus = 'TimedOut')`;
  const out: FailedWorkflow[] = [];
  for await (const wf of client.workflow.list({ query })) {
    const reason = await client.workflow
      .getHandle(wf.workflowId, wf.runId)
      .result()
      .then(
        () => '',
        (error: unknown) => failureText(error),
      );
    out.push({ workflowId: wf.workflowId, type: wf.type, reason });
  }
  return out;
}

function failureText(error: unknown): string {
  const parts: string[] = [];
  for (let e = error as { message?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.message && !/^Workflow execution (failed|timed out)$/.test(e.message)) parts.push(e.message);
  }
  return parts.join(': ');
}

function divergence(invariant: string, cases: unknown[], what: string): Divergence {
  return { invariant, count: cases.length, detail: `${cases.length} ${what}`, samples: cases.slice(0, 5) };
}
