import { describe, expect, it } from 'vitest';
import { ApplicationFailure, CancelledFailure } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { SHORT_PAGE_ATTEMPTS, scanActivities, type ScanPageInput, type ScanPageOutput } from '../../activities/scan';
import { RateLimitGate } from '../../activities/failures';
import type { ActivityDeps } from '../../activities/deps';
import type { DescopeApi, SearchPage } from '../../src/descope/api';
import type { MongoStore } from '../../src/store/mongoStore';
import type { DescopeUser, UserObservation } from '../../src/store/types';

const UPPER_MS = 1_800_000_000_000;
const input: ScanPageInput = {
  cursor: { field: 'createdTime', afterSecond: null, fromMs: 0, upperMs: UPPER_MS, done: false },
  pageSize: 100,
  withTestUser: false,
  source: 'backfill',
};
/** Activity environments that keep the expected "Activity failed" warnings out of the test output. */
const activityEnv = (info: { attempt?: number } = {}) =>
  new MockActivityEnvironment(info, { logger: new DefaultLogger('ERROR') });

const usersAt = (n: number): DescopeUser[] =>
  Array.from({ length: n }, (_, i) => ({ userId: `U${i}`, createdTime: 1_700_000_000 + i }));

/** The activity over a Descope that answers `reply`, and a store that records what it is asked to write. */
function setup(reply: () => Promise<SearchPage>, gate = new RateLimitGate()) {
  const written: UserObservation[] = [];
  let searches = 0;
  const descope = {
    searchUsers: async () => {
      searches += 1;
      return reply();
    },
  } as unknown as DescopeApi;
  const store = {
    writeUsers: async (observations: UserObservation[]) => {
      written.push(...observations);
      return { applied: observations.length, unchanged: 0, stale: 0, tombstoned: 0, inserted: 0 };
    },
    setState: async () => {},
  } as unknown as MongoStore;
  const deps: ActivityDeps = { descope, store, projectId: 'P', gates: { search: gate, load: new RateLimitGate() } };
  return { activities: scanActivities(deps), written, searches: () => searches };
}

const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

describe('scanPage and short pages', () => {
  it("refuses a page shorter than Descope's own total implies: retryable ShortPage, nothing written, cursor kept", async () => {
    const { activities, written } = setup(async () => ({ users: usersAt(30), total: 500 }));
    const env = activityEnv({ attempt: 1 });
    const failure = await failureOf(env.run(activities.scanPage, input));
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'ShortPage', nonRetryable: false });
    expect(String((failure as Error).message)).toMatch(/30 users .* 500/);
    expect(written).toEqual([]);
  });

  it(`gives up for good on the ${SHORT_PAGE_ATTEMPTS}th short reply of the same page`, async () => {
    const { activities } = setup(async () => ({ users: [], total: 500 }));
    const early = await failureOf(activityEnv({ attempt: SHORT_PAGE_ATTEMPTS - 1 }).run(activities.scanPage, input));
    expect(early).toMatchObject({ type: 'ShortPage', nonRetryable: false });
    const last = await failureOf(activityEnv({ attempt: SHORT_PAGE_ATTEMPTS }).run(activities.scanPage, input));
    expect(last).toMatchObject({ type: 'ShortPage', nonRetryable: true });
  });

  it('takes a real last page (as many users as the total) as the end of the range', async () => {
    const { activities, written } = setup(async () => ({ users: usersAt(30), total: 30 }));
    const page = (await activityEnv().run(activities.scanPage, input)) as ScanPageOutput;
    expect(page.cursor.done).toBe(true);
    expect(written).toHaveLength(30);
  });
});

describe('scanPage and cancellation (a paused scan withdraws its pages)', () => {
  it('cancelled while waiting out a 429 block, it sends no request and reports cancelled', async () => {
    const gate = new RateLimitGate();
    gate.block(1_500);
    const { activities, searches, written } = setup(async () => ({ users: usersAt(1), total: 1 }), gate);
    const env = activityEnv();
    const running = failureOf(env.run(activities.scanPage, input));
    await new Promise((resolve) => setTimeout(resolve, 20));
    env.cancel();
    expect(await running).toBeInstanceOf(CancelledFailure);
    expect(searches()).toBe(0);
    expect(written).toEqual([]);
  });

  it('passes the gate once per page: every pass takes a slot of the fleet budget', async () => {
    let passes = 0;
    const gate = new (class extends RateLimitGate {
      override async pass() {
        passes += 1;
      }
    })();
    const { activities } = setup(async () => ({ users: usersAt(3), total: 3 }), gate);
    await activityEnv().run(activities.scanPage, input);
    expect(passes).toBe(1);
  });

  it('cancelled after its request was sent, it writes the page and returns it: the page counts once', async () => {
    let answer: (page: SearchPage) => void = () => {};
    const { activities, written } = setup(() => new Promise<SearchPage>((resolve) => (answer = resolve)));
    const env = activityEnv();
    const running = env.run(activities.scanPage, input);
    await new Promise((resolve) => setTimeout(resolve, 20));
    env.cancel();
    answer({ users: usersAt(5), total: 5 });
    const page = (await running) as ScanPageOutput;
    expect(page.cursor.done).toBe(true);
    expect(written).toHaveLength(5);
  });
});
