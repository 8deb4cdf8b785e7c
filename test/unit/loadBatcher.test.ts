import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Batcher } from '../../activities/batcher';

interface Sent {
  ids: string[];
  at: number;
}

/** A batcher over a fake request that answers each id with `id@<request number>`, on fake timers. */
function harness(options = { maxBatch: 100, lingerMs: 300 }, fail?: (ids: string[]) => boolean) {
  const sent: Sent[] = [];
  const batcher = new Batcher<string>(async (ids) => {
    sent.push({ ids, at: Date.now() });
    if (fail?.(ids)) throw new Error('request failed');
    const n = sent.length;
    return new Map(ids.map((id) => [id, `${id}@${n}`]));
  }, options);
  return { batcher, sent };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Batcher (the worker-side coalescing of event reads)', () => {
  it('250 callers of one user each, arriving together, cost 3 requests of at most 100 ids and each gets its own answer', async () => {
    const { batcher, sent } = harness();
    const answers = Array.from({ length: 250 }, (_, i) => batcher.request([`U${i}`]));
    await vi.advanceTimersByTimeAsync(300);
    const results = await Promise.all(answers);
    expect(sent.map((s) => s.ids.length)).toEqual([100, 100, 50]);
    results.forEach((result, i) => expect([...result.keys()]).toEqual([`U${i}`]));
  });

  it('a partial batch waits the linger for company, then goes; ids arriving later go in the next request', async () => {
    const { batcher, sent } = harness();
    const first = batcher.request(['A']);
    await vi.advanceTimersByTimeAsync(200);
    const second = batcher.request(['B', 'C']);
    await vi.advanceTimersByTimeAsync(99);
    expect(sent).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent.map((s) => s.ids)).toEqual([['A', 'B', 'C']]);
    const third = batcher.request(['A']);
    await vi.advanceTimersByTimeAsync(300);
    expect((await first).get('A')).toBe('A@1');
    expect(await second).toEqual(
      new Map([
        ['B', 'B@1'],
        ['C', 'C@1'],
      ]),
    );
    // A is asked again after its first request was sent: that read may predate the second event.
    expect((await third).get('A')).toBe('A@2');
  });

  it('a caller whose id is already waiting joins its request: the id is sent once', async () => {
    const { batcher, sent } = harness();
    const a = batcher.request(['X', 'Y']);
    const b = batcher.request(['Y', 'Z', 'Y']);
    await vi.advanceTimersByTimeAsync(300);
    expect(sent.map((s) => s.ids)).toEqual([['X', 'Y', 'Z']]);
    expect([...(await b).keys()]).toEqual(['Y', 'Z']);
    expect((await a).get('Y')).toBe('Y@1');
  });

  it('a cancelled caller stops waiting at once; the request goes on for the others', async () => {
    const { batcher, sent } = harness();
    const controller = new AbortController();
    const cancelled = batcher.request(['A'], controller.signal);
    const other = batcher.request(['A', 'B']);
    controller.abort(new Error('activity cancelled'));
    await expect(cancelled).rejects.toThrow('activity cancelled');
    await vi.advanceTimersByTimeAsync(300);
    expect(sent).toHaveLength(1);
    expect((await other).get('A')).toBe('A@1');
  });

  it('a failed request fails exactly its callers, who may retry', async () => {
    const { batcher, sent } = harness({ maxBatch: 2, lingerMs: 300 }, (ids) => ids.includes('BAD'));
    const bad = batcher.request(['BAD', 'B1']);
    const good = batcher.request(['G1']);
    const refused = expect(bad).rejects.toThrow('request failed');
    await vi.advanceTimersByTimeAsync(300);
    await refused;
    expect((await good).get('G1')).toMatch(/^G1@/);
    expect(sent).toHaveLength(2);
  });

  it('for any arrival schedule: every caller is answered for exactly its ids, by a request sent after it asked, and requests are at most ceil(ids/100) + (linger windows spanned)', async () => {
    const schedule = fc.array(
      fc.record({
        delay: fc.integer({ min: 0, max: 400 }),
        ids: fc.uniqueArray(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 120 }),
      }),
      { minLength: 1, maxLength: 40 },
    );
    await fc.assert(
      fc.asyncProperty(schedule, async (callers) => {
        const { batcher, sent } = harness();
        const start = Date.now();
        const asked: { ids: string[]; at: number; answer: Promise<Map<string, string>> }[] = [];
        for (const caller of callers) {
          await vi.advanceTimersByTimeAsync(caller.delay);
          const ids = caller.ids.map((n) => `U${n}`);
          asked.push({ ids, at: Date.now(), answer: batcher.request(ids) });
        }
        await vi.advanceTimersByTimeAsync(300);
        for (const { ids, at, answer } of asked) {
          const result = await answer;
          expect([...result.keys()].sort()).toEqual([...ids].sort());
          for (const id of ids) {
            const request = sent[Number(result.get(id)!.split('@')[1]) - 1]!;
            expect(request.ids).toContain(id);
            expect(request.at).toBeGreaterThanOrEqual(at);
          }
        }
        const span = Date.now() - start;
        const ids = asked.reduce((n, a) => n + a.ids.length, 0);
        expect(sent.every((s) => s.ids.length <= 100)).toBe(true);
        expect(sent.length).toBeLessThanOrEqual(Math.ceil(ids / 100) + Math.ceil(span / 300) + 1);
      }),
      { seed: 1515, numRuns: 60 },
    );
  });
});

describe('Batcher while a request is slow', () => {
  it('ids arriving while the allowed requests are in flight wait for one to finish, then go together', async () => {
    vi.useRealTimers();
    const sent: string[][] = [];
    const release: (() => void)[] = [];
    const batcher = new Batcher<string>(
      async (ids) => {
        sent.push(ids);
        await new Promise<void>((resolve) => release.push(resolve));
        return new Map(ids.map((id) => [id, id]));
      },
      { maxBatch: 100, lingerMs: 5, maxInFlight: 1 },
    );
    const first = batcher.request(['A']);
    await vi.waitFor(() => expect(sent).toHaveLength(1));
    const later = ['B', 'C', 'D'].map((id) => batcher.request([id]));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(sent).toHaveLength(1);
    release.shift()!();
    await first;
    await vi.waitFor(() => expect(sent).toEqual([['A'], ['B', 'C', 'D']]));
    release.shift()!();
    expect(await Promise.all(later)).toHaveLength(3);
  });
});
