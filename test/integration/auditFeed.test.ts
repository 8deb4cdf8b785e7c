import { afterEach, describe, expect, it } from 'vitest';
import {
  AUDIT_FEED_STATE_ID,
  WORKFLOW_TYPES,
  feedProgressQuery,
  pauseSignal,
  resumeSignal,
  workflowIds,
} from '../../workflows/messages';
import { ensureAuditFeed, type AuditFeedOptions } from '../../src/temporal/auditFeed';
import type { IntakeResult } from '../../workflows/intakeDelivery';
import { feedReport } from '../../src/cli/feedStatus';
import { runCli } from '../fixtures/cli';
import { countDifferences, startStack, waitUntil, type Stack } from '../fixtures/stack';
import { startStackWebhook, type RunningWebhook } from '../fixtures/webhook';

let stack: Stack | undefined;
let webhook: RunningWebhook | undefined;
afterEach(async () => {
  if (stack) await ensureAuditFeed(stack.client, feedOptions(stack, { intervalMs: 0 })).catch(() => {});
  await webhook?.close();
  await stack?.close();
  stack = undefined;
  webhook = undefined;
});

function feedOptions(s: Stack, overrides: Partial<AuditFeedOptions> = {}): AuditFeedOptions {
  return {
    projectId: s.projectId,
    taskQueue: s.taskQueue,
    intervalMs: 1000,
    overlapMs: 5000,
    pageDelayMs: 200,
    searchAttributes: false,
    reconcile: { overlapMs: 600_000, maxDeleteFraction: 0.5, minDelete: 10 },
    ...overrides,
  };
}

/** A backfilled copy of a small project, no webhook: pull mode. */
async function pulledStack(seed: number): Promise<Stack> {
  const s = await startStack({ emulator: { seed, userCount: 30, testUserCount: 0 } });
  await s.startWorker();
  await s.client.workflow.execute(WORKFLOW_TYPES.backfill, {
    taskQueue: s.taskQueue,
    workflowId: `bf-${s.projectId}`,
    args: [{}],
  });
  return s;
}

async function countOf(s: Stack, type: string, extra = ''): Promise<number> {
  return (await s.client.workflow.count(`WorkflowType = '${type}' AND TaskQueue = '${s.taskQueue}'${extra}`)).count;
}

/** MongoDB equals the emulator: live users field by field, `deleted` as tombstones. */
async function converged(s: Stack, deleted: string[]): Promise<void> {
  await waitUntil('MongoDB to match Descope', async () => (await countDifferences(s, deleted)) === 0, 60_000);
}

/** Every event workflow finished, and as many as the emulator recorded audit events since `since`. */
async function eventsSettled(s: Stack, expected: number): Promise<void> {
  await waitUntil(
    `${expected} event workflows to complete`,
    async () =>
      (await countOf(s, WORKFLOW_TYPES.applyEvent, " AND ExecutionStatus = 'Completed'")) >= expected &&
      (await countOf(s, WORKFLOW_TYPES.applyEvent, " AND ExecutionStatus = 'Running'")) === 0,
    60_000,
  );
}

describe('audit feed, pull mode (no webhook server)', () => {
  it('applies deletions, disables, creations and batch events, each event once', async () => {
    stack = await pulledStack(71);
    await ensureAuditFeed(stack.client, feedOptions(stack));
    const users = stack.emulator.users;
    const [a, b, c, d, e, f, g] = users.all();
    users.delete(a!.userId);
    users.update(b!.userId, { status: 'disabled' });
    const created = users.create({ email: 'feed-new@example.com' });
    const batch = users.createMany([{ email: 'feed-b1@example.com' }, { email: 'feed-b2@example.com' }]);
    users.updateMany([c!.userId, d!.userId].map((userId) => ({ userId, patch: { givenName: 'Batch' } })));
    users.deleteMany([e!.userId, f!.userId]);
    users.update(g!.userId, { roleNames: ['Feed'] });
    const deleted = [a!.userId, e!.userId, f!.userId];
    await converged(stack, deleted);
    expect((await stack.store.getUser(b!.userId))?.user.status).toBe('disabled');
    expect((await stack.store.getUser(created.userId))?.meta.deleted).toBe(false);
    for (const user of batch) expect((await stack.store.getUser(user.userId))?.meta.deleted).toBe(false);
    // Seven audit records, seven event workflows: records read again in the overlap start nothing new.
    await eventsSettled(stack, 7);
    const handle = stack.client.workflow.getHandle(workflowIds.auditFeed(stack.projectId));
    const polls = (await handle.query(feedProgressQuery)).polls;
    await waitUntil('three more polls', async () => (await handle.query(feedProgressQuery)).polls >= polls + 3);
    expect(await countOf(stack, WORKFLOW_TYPES.applyEvent)).toBe(7);
    const progress = await handle.query(feedProgressQuery);
    expect(progress).toMatchObject({ state: 'running', events: 7, fallbacks: 0 });
    const state = await stack.store.getState<{ cursorMs: number }>(AUDIT_FEED_STATE_ID);
    expect(state?.cursorMs).toBeGreaterThan(Date.now() - 60_000);
    // /metrics: the cursor (read from sync_state at scrape time), the lag, the requests and records.
    const store = stack.store;
    stack.metrics.watchAuditFeed(
      async () => (await store.getState<{ cursorMs: number }>(AUDIT_FEED_STATE_ID))?.cursorMs,
    );
    const scraped = await stack.metrics.registry.metrics();
    expect(scraped).toMatch(/^descope_sync_audit_feed_cursor_seconds \d+/m);
    expect(scraped).toMatch(/^descope_sync_audit_feed_lag_seconds \d/m);
    expect(scraped).toMatch(/^descope_sync_audit_feed_records_total\{action="UserDeleted"\} [1-9]/m);
    expect(scraped).not.toMatch(/^descope_sync_audit_feed_requests_total 0$/m);
  });

  it('pauses (no audit request reaches Descope), resumes where it was, continues as new, and turns off at 0', async () => {
    stack = await pulledStack(72);
    await ensureAuditFeed(stack.client, feedOptions(stack, { pollsPerRun: 3 }));
    const handle = stack.client.workflow.getHandle(workflowIds.auditFeed(stack.projectId));
    await waitUntil('a first poll', async () => (await handle.query(feedProgressQuery)).polls >= 1);
    await handle.signal(pauseSignal);
    await waitUntil('paused', async () => (await handle.query(feedProgressQuery)).state === 'paused');
    const victim = stack.emulator.users.all()[0]!;
    stack.emulator.users.delete(victim.userId);
    const requests = stack.emulator.counters.total('audit');
    // Three intervals while paused: a running feed would have sent three requests.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(stack.emulator.counters.total('audit')).toBe(requests);
    expect((await stack.store.getUser(victim.userId))?.meta.deleted).toBe(false);
    await handle.signal(resumeSignal);
    await converged(stack, [victim.userId]);
    // Every 3 polls a new run: the cursor and counts go on (nothing is handed over twice).
    await waitUntil('a third run', async () => (await handle.query(feedProgressQuery)).runs >= 3);
    expect(await handle.query(feedProgressQuery)).toMatchObject({ events: 1, state: 'running' });
    expect(await countOf(stack, WORKFLOW_TYPES.applyEvent)).toBe(1);
    // AUDIT_FEED_INTERVAL=0: the worker cancels the feed.
    expect(await ensureAuditFeed(stack.client, feedOptions(stack, { intervalMs: 0 }))).toBe('off');
    await waitUntil('the feed to end', async () => (await handle.describe()).status.name === 'CANCELLED');
  });

  it('rides out an audit search outage (5xx, then 429s) and catches up on the backlog page by page', async () => {
    stack = await pulledStack(73);
    await ensureAuditFeed(stack.client, feedOptions(stack, { pageSize: 4 }));
    const handle = stack.client.workflow.getHandle(workflowIds.auditFeed(stack.projectId));
    await waitUntil('a first poll', async () => (await handle.query(feedProgressQuery)).polls >= 1);
    stack.emulator.faults.set({ errorRate: 1, errorStatuses: [500], endpoints: ['audit'] });
    await waitUntil('a failed audit search', async () => stack!.emulator.counters.total('audit', 500) >= 1);
    const users = stack.emulator.users.all();
    const deleted = users.slice(0, 5).map((u) => u.userId);
    for (const id of deleted) stack.emulator.users.delete(id);
    for (const user of users.slice(5, 10)) stack.emulator.users.update(user.userId, { status: 'disabled' });
    stack.emulator.users.createMany([{ email: 'outage-1@example.com' }, { email: 'outage-2@example.com' }]);
    await waitUntil('another failed audit search', async () => stack!.emulator.counters.total('audit', 500) >= 2);
    const during = await waitUntil('status to show the failing read', async () => {
      const report = await feedReport(stack!.store, stack!.client, stack!.projectId);
      return report.failing ? report : undefined;
    });
    expect(during.failing?.error).toMatch(/audit search|500/i);
    // Descope comes back rate limiting: one audit search per 2 s, then 429 with Retry-After.
    stack.emulator.rateLimits.configure({ audit: { limit: 1, windowMs: 2000, blockMs: 0 } });
    stack.emulator.faults.set({ errorRate: 0 });
    await converged(stack, deleted);
    // 11 records in pages of 4: the backlog took several requests, and each event ran once.
    await eventsSettled(stack, 11);
    expect(await countOf(stack, WORKFLOW_TYPES.applyEvent)).toBe(11);
    for (const user of users.slice(5, 10)) {
      expect((await stack.store.getUser(user.userId))?.user.status).toBe('disabled');
    }
    const progress = await handle.query(feedProgressQuery);
    expect(progress.requests).toBeGreaterThanOrEqual(progress.polls + 2);
    // Records read again (a page's boundary millisecond, the overlap) are handed over once.
    expect(progress.events).toBe(11);
    console.log(
      `[auditFeed] outage: ${stack.emulator.counters.total('audit', 500)} audit 500s, ` +
        `${stack.emulator.counters.total('audit', 429)} 429s, ${progress.requests} feed requests over ${progress.polls} polls`,
    );
  });

  it('falls back to a full reconciliation when its cursor is older than 30 days, says so, and goes on', async () => {
    stack = await pulledStack(74);
    const oldCursor = Date.now() - 31 * 24 * 3_600_000;
    await stack.store.setState(AUDIT_FEED_STATE_ID, { cursorMs: oldCursor });
    const gone = stack.emulator.users.all()[0]!;
    stack.emulator.users.delete(gone.userId);
    await ensureAuditFeed(stack.client, feedOptions(stack));
    const sweep = stack.client.workflow.getHandle(workflowIds.reconcileRun(stack.projectId, `feed-gap-${oldCursor}`));
    const result = await waitUntil('the fallback reconciliation', () => sweep.result());
    expect(result).toMatchObject({ mode: 'full', drift: { deleted: 1 } });
    expect((await stack.store.getUser(gone.userId))?.meta.deleted).toBe(true);
    const state = await stack.store.getState<{ lastFallback?: { workflowId: string }; fallbacks: number }>(
      AUDIT_FEED_STATE_ID,
    );
    expect(state).toMatchObject({ fallbacks: 1, lastFallback: { workflowId: sweep.workflowId } });
    const json = JSON.parse((await runCli(stack, ['status', '--json'])).stdout) as { auditFeed: unknown };
    expect(json.auditFeed).toMatchObject({ workflow: 'RUNNING', lastFallback: { workflowId: sweep.workflowId } });
    const human = (await runCli(stack, ['status'])).stdout;
    expect(human).toMatch(
      /Audit feed: running.*\n\s+fell back to a full reconciliation at .*older than audit search reaches/,
    );
    // Then the feed reads audit search again from now.
    const next = stack.emulator.users.all()[0]!;
    stack.emulator.users.delete(next.userId);
    await converged(stack, [gone.userId, next.userId]);
    await eventsSettled(stack, 1);
  });
});

describe('audit feed, hybrid mode (webhook and feed)', () => {
  it('applies a change both report once', async () => {
    stack = await pulledStack(75);
    webhook = await startStackWebhook(stack, { delayMs: 50 });
    await ensureAuditFeed(stack.client, feedOptions(stack));
    const handle = stack.client.workflow.getHandle(workflowIds.auditFeed(stack.projectId));
    await waitUntil('a first poll', async () => (await handle.query(feedProgressQuery)).polls >= 1);
    const users = stack.emulator.users.all();
    stack.emulator.users.delete(users[0]!.userId);
    stack.emulator.users.update(users[1]!.userId, { status: 'disabled' });
    stack.emulator.users.deleteMany([users[2]!.userId, users[3]!.userId]);
    const deleted = [users[0]!.userId, users[2]!.userId, users[3]!.userId];
    await stack.emulator.webhook.flush();
    await converged(stack, deleted);
    // Both sources handed every event to an intake: one started it, the other found it started.
    const intakes = async () => {
      const results: IntakeResult[] = [];
      const query = `WorkflowType = '${WORKFLOW_TYPES.intake}' AND TaskQueue = '${stack!.taskQueue}'`;
      for await (const wf of stack!.client.workflow.list({ query })) {
        results.push(await stack!.client.workflow.getHandle(wf.workflowId, wf.runId).result());
      }
      return results;
    };
    const all = await waitUntil('the webhook and the feed to hand over all three events', async () => {
      const results = await intakes();
      const handed = results.reduce((n, r) => n + r.started + r.duplicates, 0);
      return handed >= 6 ? results : undefined;
    });
    expect(all.reduce((n, r) => n + r.started, 0)).toBe(3);
    expect(all.reduce((n, r) => n + r.duplicates, 0)).toBe(3);
    await eventsSettled(stack, 3);
    expect(await countOf(stack, WORKFLOW_TYPES.applyEvent)).toBe(3);
    expect(await stack.store.db.collection('events').countDocuments()).toBe(3);
  });
});
