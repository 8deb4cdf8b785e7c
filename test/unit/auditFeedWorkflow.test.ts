import type { WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import type { AuditPageInput, AuditPageOutput } from '../../activities/auditFeed';
import { useLocalTestServer } from '../fixtures/localTestServer';
import type { AuditFeedInput } from '../../workflows/auditFeed';
import { AUDIT_FEED_STATE_ID, WORKFLOW_TYPES, feedProgressQuery } from '../../workflows/messages';

/**
 * The audit feed workflow over activities the test holds: each read waits until the test answers it, so the
 * `progress` query and the sync_state mirror are seen while a read is in flight, as an operator sees them.
 */

const server = useLocalTestServer();

/** Reads the test answers one by one: `next()` waits for the feed's next request and returns it with its answer. */
function heldReads() {
  const waiting: { input: AuditPageInput; answer: (page: AuditPageOutput) => void }[] = [];
  const unanswered = new Set<(page: AuditPageOutput) => void>();
  const arrivals: (() => void)[] = [];
  const state = new Map<string, Record<string, unknown>>();
  const activities = {
    readAuditPage: (input: AuditPageInput) =>
      new Promise<AuditPageOutput>((resolve) => {
        const answer = (page: AuditPageOutput) => {
          unanswered.delete(answer);
          resolve(page);
        };
        unanswered.add(answer);
        waiting.push({ input, answer });
        arrivals.splice(0).forEach((wake) => wake());
      }),
    async saveSyncState(id: string, fields: Record<string, unknown>) {
      state.set(id, { ...state.get(id), ...fields });
    },
    async loadSyncState(id: string) {
      return state.get(id) ?? null;
    },
  };
  async function next() {
    while (waiting.length === 0) await new Promise<void>((wake) => arrivals.push(wake));
    return waiting.shift()!;
  }
  /** Answers every read still held, so the worker can shut down however the test ends. */
  function release() {
    for (const answer of [...unanswered]) answer(emptyPage(true, null));
  }
  return { activities, state, next, release };
}

const emptyPage = (complete: boolean, oldestMs: number | null): AuditPageOutput => ({
  events: [],
  windows: [],
  records: oldestMs === null ? 0 : 1000,
  total: 0,
  oldestMs,
  complete,
  invalid: 0,
});

describe('auditFeed progress', () => {
  it("says 'running' while an ordinary poll is read, and 'catching-up' only on a backlog's later pages", async () => {
    const taskQueue = 'q-feed-state';
    const held = heldReads();
    const worker = await Worker.create({
      connection: server.env.nativeConnection,
      namespace: server.env.namespace,
      taskQueue,
      workflowBundle: server.bundle,
      activities: held.activities,
    });
    const input: AuditFeedInput = {
      projectId: 'P-test',
      searchAttributes: false,
      reconcile: { overlapMs: 1000, maxDeleteFraction: 0.1 },
      intervalMs: 50,
      overlapMs: 1000,
      pageDelayMs: 50,
    };
    await worker.runUntil(async () => {
      const handle = await server.env.client.workflow.start(WORKFLOW_TYPES.auditFeed, {
        taskQueue,
        workflowId: 'feed-state',
        args: [input],
      });
      try {
        await drive(handle);
      } finally {
        await handle.terminate('test over');
        held.release();
      }
    });
    async function drive(handle: WorkflowHandle) {
      const state = async () => (await handle.query(feedProgressQuery)).state;
      // An ordinary poll, in flight: one request reads the whole window.
      const first = await held.next();
      expect(first.input.page).toBe(0);
      expect(await state()).toBe('running');
      first.answer(emptyPage(true, null));
      // A backlog: the first page comes back full, so the feed reads on below its oldest record.
      const second = await held.next();
      expect(await state()).toBe('running');
      second.answer(emptyPage(false, second.input.upperMs - 10));
      const third = await held.next();
      expect(third.input.upperMs).toBe(second.input.upperMs - 10);
      expect(await state()).toBe('catching-up');
      expect(held.state.get(AUDIT_FEED_STATE_ID)?.state).toBe('catching-up');
      third.answer(emptyPage(true, third.input.upperMs - 20));
      // The backlog read to its end: the next poll is an ordinary one again.
      const fourth = await held.next();
      expect(await state()).toBe('running');
      expect(held.state.get(AUDIT_FEED_STATE_ID)?.state).toBe('running');
      fourth.answer(emptyPage(true, null));
    }
  });
});
