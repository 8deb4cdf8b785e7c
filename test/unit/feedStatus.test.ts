import { describe, expect, it } from 'vitest';
import { feedLine, type FeedReport } from '../../src/cli/feedStatus';

const running: FeedReport = {
  workflow: 'RUNNING',
  state: 'running',
  cursor: '2026-11-30T12:00:00.000Z',
  lagSeconds: 42,
  lastPollAt: '2026-11-30T12:00:00.000Z',
  polls: 10,
  requests: 11,
  events: 3,
  failing: null,
  lastFallback: null,
};

describe('the audit feed in status, for a person', () => {
  it('says where the cursor is and how far behind', () => {
    expect(feedLine(running)).toBe(
      'running, cursor 2026-11-30T12:00:00.000Z (42 s behind), 3 events handed over in 10 polls, 11 audit searches',
    );
  });

  it('says when it has not polled yet, and when it is not running', () => {
    expect(feedLine({ ...running, cursor: null, workflow: null })).toBe('no poll yet');
    expect(feedLine({ ...running, workflow: 'CANCELLED' })).toMatch(/^cancelled \(last state running\), cursor/);
  });

  it('names a failing read and the last fallback to a reconciliation', () => {
    const line = feedLine({
      ...running,
      failing: { attempt: 4, error: 'Descope audit search failed: HTTP 500' },
      lastFallback: {
        at: '2026-11-30T11:00:00.000Z',
        cursorWas: '2026-10-01T00:00:00.000Z',
        workflowId: 'descope-reconcile-P2-feed-gap-1',
      },
    });
    expect(line).toContain('audit search failing, attempt 4: Descope audit search failed: HTTP 500');
    expect(line).toMatch(
      /\n {2}fell back to a full reconciliation at 2026-11-30T11:00:00.000Z: .*30 days.*feed-gap-1$/,
    );
  });
});
