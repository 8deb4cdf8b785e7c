import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SinkUnavailableError } from '../../src/webhook/errors.js';
import { auditEvent, errorCode, RecordingSink, startApp, type TestApp } from './fixtures.js';

const sink = new RecordingSink();
let app: TestApp;
beforeAll(async () => (app = await startApp({ startTimeoutMs: 200 }, { sink })));
afterAll(() => app.close());
beforeEach(() => {
  sink.calls.length = 0;
  sink.signals.length = 0;
});

describe('the endpoint acknowledges only what the sink made durable', () => {
  it('answers 503 with Retry-After when the sink reports SinkUnavailableError', async () => {
    sink.respond = () => Promise.reject(new SinkUnavailableError('temporal down'));
    const reply = await app.post([auditEvent()]);
    expect(reply.status).toBe(503);
    expect(errorCode(reply)).toBe('sink_unavailable');
    expect(reply.headers.get('retry-after')).toBe('5');
    expect(reply.text).not.toContain('temporal down');
  });

  it('answers 503 within about a second when the sink hangs past startTimeoutMs, and aborts its signal', async () => {
    sink.respond = () => new Promise(() => undefined);
    const started = performance.now();
    const reply = await app.post([auditEvent()]);
    const elapsed = performance.now() - started;
    expect(reply.status).toBe(503);
    expect(reply.headers.get('retry-after')).toBe('5');
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(elapsed).toBeLessThan(1000);
    expect(sink.signals[0]?.aborted).toBe(true);
  });

  it('answers 503 when the sink rejects after the deadline too, without an unhandled rejection', async () => {
    sink.respond = () => new Promise((_resolve, reject) => setTimeout(() => reject(new Error('late')), 300));
    const reply = await app.post([auditEvent()]);
    expect(reply.status).toBe(503);
    await new Promise((resolve) => setTimeout(resolve, 150));
  });

  it('answers 500 with a generic message and no stack when the sink fails otherwise', async () => {
    sink.respond = () => Promise.reject(new Error('mongodb://admin:hunter2@db exploded'));
    const reply = await app.post([auditEvent()]);
    expect(reply.status).toBe(500);
    expect(reply.json).toEqual({ error: { code: 'internal_error', message: 'internal error' } });
    expect(reply.text).not.toMatch(/hunter2|at .*\.ts|Error:/);
    expect(app.logs()).toContain('webhook sink failed');
  });

  it('answers 200 only once the sink has resolved', async () => {
    let resolve: (() => void) | undefined;
    sink.respond = (work) => new Promise((r) => (resolve = () => r({ started: work.applies.length, duplicates: 0 })));
    let settled = false;
    const pending = app.post([auditEvent()]).then((reply) => ((settled = true), reply));
    await expect.poll(() => sink.calls.length).toBe(1);
    expect(settled).toBe(false);
    resolve?.();
    expect((await pending).status).toBe(200);
  });
});
