import fc from 'fast-check';
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { groupCommit, mergeGroup, type StartGroup } from '../../src/webhook/groupCommit';
import type { SinkResult, SinkWork } from '../../src/webhook/types';

const work = (ids: string[], users = 0): SinkWork => ({
  applies: ids.map((eventId) => ({
    eventId,
    action: users > 0 ? 'UsersCreated' : 'UserCreated',
    ...(users > 0 ? { userIds: Array.from({ length: users }, (_, i) => `U${i}`) } : { userId: `U-${eventId}` }),
    occurredMs: 1,
    receivedMs: 2,
  })),
  windows: [],
});

const never = new AbortController().signal;
const tick = () => new Promise((resolve) => setImmediate(resolve));

/** A start function the test drives: every call waits until the test settles it. */
function heldStarts() {
  const calls: { work: SinkWork; signal: AbortSignal; settle: (started: boolean) => void; fail: (e: Error) => void }[] =
    [];
  let inFlight = 0;
  let mostInFlight = 0;
  const start: StartGroup = (w, signal) =>
    new Promise((resolve, reject) => {
      inFlight += 1;
      mostInFlight = Math.max(mostInFlight, inFlight);
      const done = () => (inFlight -= 1);
      const intake = `intake-${calls.length + 1}`;
      calls.push({
        work: w,
        signal,
        settle: (started) => {
          done();
          resolve({ started, intake });
        },
        fail: (e) => {
          done();
          reject(e);
        },
      });
    });
  return { start, calls, mostInFlight: () => mostInFlight };
}

describe('group commit of webhook deliveries', () => {
  it('idle, a delivery starts at once and alone; busy, the deliveries that arrive share the next start', async () => {
    const held = heldStarts();
    const submit = groupCommit(held.start, { maxInFlight: 1, maxWeight: 100 });
    const first = submit(work(['a']), never);
    await tick();
    expect(held.calls.map((c) => c.work.applies.map((a) => a.eventId))).toEqual([['a']]);
    const later = ['b', 'c', 'd'].map((id) => submit(work([id]), never));
    await tick();
    expect(held.calls).toHaveLength(1);
    held.calls[0]!.settle(true);
    expect(await first).toEqual({ started: 1, duplicates: 0, intake: 'intake-1' });
    await tick();
    expect(held.calls.map((c) => c.work.applies.map((a) => a.eventId))).toEqual([['a'], ['b', 'c', 'd']]);
    held.calls[1]!.settle(true);
    expect(await Promise.all(later)).toEqual(
      ['b', 'c', 'd'].map(() => ({ started: 1, duplicates: 0, intake: 'intake-2' })),
    );
  });

  it('an intake that already ran makes every delivery of its group a duplicate; a failed start fails them all', async () => {
    const held = heldStarts();
    const submit = groupCommit(held.start, { maxInFlight: 1, maxWeight: 100 });
    const again = submit(work(['a', 'b']), never);
    await tick();
    held.calls[0]!.settle(false);
    expect(await again).toEqual({ started: 0, duplicates: 2, intake: 'intake-1' });
    const failing = submit(work(['c']), never);
    await tick();
    held.calls[1]!.fail(new Error('refused'));
    await expect(failing).rejects.toThrow('refused');
  });

  it('a delivery that gives up while waiting leaves the group; the start is aborted only when all gave up', async () => {
    const held = heldStarts();
    const submit = groupCommit(held.start, { maxInFlight: 1, maxWeight: 100 });
    const gaveUp = new AbortController();
    const busy = submit(work(['a']), gaveUp.signal);
    await tick();
    const waiting = new AbortController();
    const left = submit(work(['b']), waiting.signal);
    const stays = submit(work(['c']), never);
    waiting.abort(new Error('503 sent'));
    await expect(left).rejects.toThrow('503 sent');
    gaveUp.abort(new Error('503 sent'));
    await expect(busy).rejects.toThrow('503 sent');
    expect(held.calls[0]!.signal.aborted).toBe(true);
    held.calls[0]!.settle(true);
    await tick();
    expect(held.calls[1]!.work.applies.map((a) => a.eventId)).toEqual(['c']);
    expect(held.calls[1]!.signal.aborted).toBe(false);
    held.calls[1]!.settle(true);
    expect(await stays).toMatchObject({ started: 1 });
  });

  it('a group stops at maxWeight, counting the users batch events name; a heavier delivery goes alone; nothing stays listening', async () => {
    const held = heldStarts();
    const submit = groupCommit(held.start, { maxInFlight: 1, maxWeight: 10 });
    const replies = [
      submit(work(['busy']), never),
      submit(work(['x1', 'x2']), never),
      submit(work(['big'], 50), never),
      submit(work(['y1']), never),
      submit(work(['y2'], 8), never),
      submit(work(['z']), never),
    ];
    for (let i = 0; i < 5; i++) {
      await tick();
      held.calls.at(-1)!.settle(true);
    }
    await Promise.all(replies);
    // Answered deliveries leave nothing listening on their signals.
    expect(getEventListeners(never, 'abort')).toHaveLength(0);
    expect(held.calls.map((c) => c.work.applies.map((a) => a.eventId))).toEqual([
      ['busy'],
      ['x1', 'x2'],
      ['big'],
      ['y1', 'y2'],
      ['z'],
    ]);
  });

  it('an event two deliveries of a group both carry goes in once and is the later delivery’s duplicate', () => {
    const merged = mergeGroup([work(['a', 'b']), work(['b', 'c']), work(['a', 'b', 'c'])]);
    expect(merged.work.applies.map((a) => a.eventId)).toEqual(['a', 'b', 'c']);
    expect(merged.repeats).toEqual([0, 1, 3]);
  });

  it('seeded: whatever arrives when, every answered delivery is in the start it names, never more than maxInFlight at once', async () => {
    const delivery = fc.array(fc.constantFrom('e1', 'e2', 'e3', 'e4', 'e5', 'e6', 'e7', 'e8'), {
      minLength: 1,
      maxLength: 4,
    });
    const plan = fc.record({
      maxInFlight: fc.integer({ min: 1, max: 3 }),
      deliveries: fc.array(fc.record({ ids: delivery, at: fc.nat(5), giveUp: fc.boolean() }), { maxLength: 20 }),
      settleOrder: fc.array(fc.nat(), { minLength: 40, maxLength: 40 }),
    });
    await fc.assert(
      fc.asyncProperty(plan, async ({ maxInFlight, deliveries, settleOrder }) => {
        const held = heldStarts();
        const submit = groupCommit(held.start, { maxInFlight, maxWeight: 6 });
        const sent: string[][] = [];
        const replies: Promise<SinkResult | Error>[] = [];
        for (let round = 0; round <= 5; round++) {
          for (const d of deliveries.filter((x) => x.at === round)) {
            const controller = new AbortController();
            const ids = [...new Set(d.ids)];
            sent.push(ids);
            replies.push(submit(work(ids), controller.signal).catch((e: Error) => e));
            if (d.giveUp) controller.abort(new Error('gave up'));
          }
          await tick();
          const open = held.calls.filter((c) => !('done' in c));
          const pick = open[settleOrder[round]! % Math.max(open.length, 1)];
          if (pick) {
            Object.assign(pick, { done: true });
            pick.settle(true);
          }
          await tick();
        }
        for (;;) {
          await tick();
          const open = held.calls.filter((c) => !('done' in c));
          if (open.length === 0) break;
          for (const c of open) {
            Object.assign(c, { done: true });
            c.settle(true);
          }
        }
        const answers = await Promise.all(replies);
        expect(held.mostInFlight()).toBeLessThanOrEqual(maxInFlight);
        const intakes = new Map(held.calls.map((c, i) => [`intake-${i + 1}`, c.work.applies.map((a) => a.eventId)]));
        answers.forEach((answer, i) => {
          if (answer instanceof Error) {
            expect(answer.message).toBe('gave up');
            return;
          }
          // Every event of an answered delivery is in the intake its answer names, and counted once.
          expect(intakes.get(answer.intake!)).toEqual(expect.arrayContaining(sent[i]!));
          expect(answer.started + answer.duplicates).toBe(sent[i]!.length);
        });
        // Each start carries each event once, some events, and never more starts than deliveries.
        for (const ids of intakes.values()) {
          expect(ids.length).toBeGreaterThan(0);
          expect(new Set(ids).size).toBe(ids.length);
        }
        expect(held.calls.length).toBeLessThanOrEqual(replies.length);
      }),
      { seed: 1501, numRuns: 200 },
    );
  });
});
