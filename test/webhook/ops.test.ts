import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvent, RecordingSink, startApp, type Reply, type TestApp } from './fixtures.js';

const sink = new RecordingSink();
const registry = new Registry();
let app: TestApp;
beforeAll(async () => (app = await startApp({ auth: 'bearer', token: 'tok-ops' }, { sink, registry })));
afterAll(() => app.close());

function expectSecurityHeaders(reply: Reply): void {
  expect(reply.headers.get('x-content-type-options')).toBe('nosniff');
  expect(reply.headers.get('x-frame-options')).toBe('DENY');
  expect(reply.headers.get('referrer-policy')).toBe('no-referrer');
  expect(reply.headers.get('content-security-policy')).toMatch(/^default-src 'none'/);
  expect(reply.headers.get('cache-control')).toBe('no-store');
  expect(reply.headers.get('x-powered-by')).toBeNull();
}

describe('health endpoints', () => {
  it('/healthz answers 200 while the process is up', async () => {
    const reply = await app.request('/healthz');
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({ status: 'ok' });
  });

  it('/readyz answers 200 when Temporal and MongoDB are reachable', async () => {
    sink.readiness = { temporal: true, mongo: true };
    const reply = await app.request('/readyz');
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({ status: 'ready', temporal: true, mongo: true, down: [] });
  });

  it('/readyz answers 503 naming what is down', async () => {
    sink.readiness = { temporal: false, mongo: true };
    const reply = await app.request('/readyz');
    expect(reply.status).toBe(503);
    expect(reply.json).toEqual({ status: 'unavailable', temporal: false, mongo: true, down: ['temporal'] });
  });

  it('/readyz answers 503 when the readiness check itself fails', async () => {
    sink.readiness = new Error('boom');
    const reply = await app.request('/readyz');
    expect(reply.status).toBe(503);
    expect(reply.json).toMatchObject({ status: 'unavailable', down: ['temporal', 'mongo'] });
    sink.readiness = { temporal: true, mongo: true };
  });
});

describe('/metrics', () => {
  it('serves the request, event and latency metrics from the injected registry', async () => {
    await app.post([auditEvent(), auditEvent(), auditEvent({ action: 'LoginSucceed' })], {
      authorization: 'Bearer tok-ops',
    });
    await app.post([auditEvent()], {});
    const reply = await app.request('/metrics');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(reply.text).toContain('descope_webhook_http_requests_total{route="webhook",method="POST",status="200"} 1');
    expect(reply.text).toContain('descope_webhook_http_requests_total{route="webhook",method="POST",status="401"} 1');
    expect(reply.text).toContain('descope_webhook_events_total{action="UserModified",outcome="accepted"} 1');
    expect(reply.text).toContain('descope_webhook_events_total{action="UserModified",outcome="duplicate"} 1');
    expect(reply.text).toContain('descope_webhook_events_total{action="LoginSucceed",outcome="ignored"} 1');
    expect(reply.text).toContain('descope_webhook_sink_requests_total{result="started"} 1');
    expect(reply.text).toMatch(
      /descope_webhook_http_request_duration_seconds_bucket\{le="[\d.]+",route="webhook",method="POST"\}/,
    );
    expect(await registry.metrics()).toContain('descope_webhook_events_total');
  });

  it('labels unknown paths as one route so arbitrary URLs cannot multiply series', async () => {
    await app.request('/random/a');
    await app.request('/random/b');
    const reply = await app.request('/metrics');
    expect(reply.text).toContain('descope_webhook_http_requests_total{route="unmatched",method="GET",status="404"} 2');
  });

  it('creates its own registry when none is injected', async () => {
    const own = await startApp();
    try {
      const reply = await own.request('/metrics');
      expect(reply.status).toBe(200);
      expect(reply.text).toContain('# TYPE descope_webhook_events_total counter');
    } finally {
      await own.close();
    }
  });
});

describe('every response', () => {
  it.each<[string, () => Promise<Reply>]>([
    ['200 /healthz', () => app.request('/healthz')],
    ['200 webhook', () => app.post([auditEvent()], { authorization: 'Bearer tok-ops' })],
    ['401 webhook', () => app.post([auditEvent()])],
    ['404', () => app.request('/nope')],
    ['/metrics', () => app.request('/metrics')],
  ])('carries the security headers (%s)', async (_label, send) => {
    expectSecurityHeaders(await send());
  });

  it('answers an unknown route with a 404 JSON error', async () => {
    const reply = await app.request('/webhooks/other', { method: 'POST' });
    expect(reply.status).toBe(404);
    expect(reply.json).toEqual({ error: { code: 'not_found', message: 'no such route' } });
  });
});
