import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RateLimitGate } from '../../activities/failures';

/** A gate on a clock that only its own sleeps move: waits are exact and take no real time. */
function gateOnManualClock() {
  const time = { ms: 1_000_000 };
  const sleeps: number[] = [];
  const gate = new RateLimitGate(
    () => time.ms,
    async (ms) => {
      sleeps.push(ms);
      time.ms += ms;
    },
  );
  return { time, sleeps, gate };
}

describe('RateLimitGate (one worker process waits out a 429 once)', () => {
  it('lets calls through at once until a block, then holds every caller until exactly Retry-After has passed', async () => {
    const { time, sleeps, gate } = gateOnManualClock();
    await gate.pass();
    expect(sleeps).toEqual([]);
    const blockedAt = time.ms;
    gate.block(60_000);
    await Promise.all([gate.pass(), gate.pass(), gate.pass()]);
    expect(time.ms).toBeGreaterThanOrEqual(blockedAt + 60_000);
    // Once the block has passed, callers go through without waiting.
    const before = sleeps.length;
    await gate.pass();
    expect(sleeps.length).toBe(before);
  });

  it('releases a caller no earlier than the longest block so far, for any sequence of blocks', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5_000 }), fc.option(fc.integer({ min: -10, max: 120_000 }))), {
          maxLength: 8,
        }),
        async (steps) => {
          const { time, gate } = gateOnManualClock();
          let until = 0;
          for (const [advance, block] of steps) {
            time.ms += advance;
            gate.block(block ?? undefined);
            if (block !== null && block > 0) until = Math.max(until, time.ms + block);
          }
          const arrived = time.ms;
          await gate.pass();
          // Released exactly when the longest block ends: never earlier, and no later than needed.
          expect(time.ms).toBe(Math.max(arrived, until));
        },
      ),
    );
  });

  it('a block that arrives while callers wait extends their wait; a shorter one never shortens it', async () => {
    const time = { ms: 0 };
    let extended = false;
    const gate: RateLimitGate = new RateLimitGate(
      () => time.ms,
      async (ms) => {
        time.ms += ms;
        // A second 429 lands during the first wait.
        if (!extended) {
          extended = true;
          gate.block(250);
          gate.block(10);
        }
      },
    );
    gate.block(200);
    gate.block(50);
    await gate.pass();
    expect(time.ms).toBe(200 + 250);
  });
});
