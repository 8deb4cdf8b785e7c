import { describe, expect, it } from 'vitest';
import { RateLimitGate } from '../../activities/failures';

describe('RateLimitGate (one worker process waits out a 429 once)', () => {
  it('lets calls through at once until a block, then holds every caller until Retry-After has passed', async () => {
    const gate = new RateLimitGate();
    let t0 = performance.now();
    await gate.pass();
    expect(performance.now() - t0).toBeLessThan(20);
    gate.block(150);
    t0 = performance.now();
    await Promise.all([gate.pass(), gate.pass(), gate.pass()]);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
  });

  it('a later, longer block extends the wait; a shorter one never shortens it', async () => {
    const gate = new RateLimitGate();
    gate.block(200);
    gate.block(50);
    const t0 = performance.now();
    const waiting = gate.pass();
    setTimeout(() => gate.block(250), 100);
    await waiting;
    expect(performance.now() - t0).toBeGreaterThanOrEqual(340);
  });
});
