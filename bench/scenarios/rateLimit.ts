import type { RateLimitRule } from '../../src/emulator';
import { settings } from '../../src/config';
import { reproduce } from '../options';
import { startRig } from '../rig';
import { round } from '../stats';
import type { ScenarioContext, ScenarioResult } from '../scenario';
import { productBackfill } from './backfillRun';

/**
 * Descope allows 200 searches a minute and blocks for a minute after the first 429. Scaled 2x down in time:
 * 100 searches per 30 s, blocked 30 s. The rate is the same (200/min) and a run spans several windows in about
 * a minute and a half. (Scaled further, Temporal's rate limiter, which lets a second's worth of tasks through
 * at once after an idle spell, would weigh ten times more against a 6 s window than against Descope's 60 s.)
 */
export const SCALED_SEARCH_LIMIT: RateLimitRule = { limit: 100, windowMs: 30_000, blockMs: 30_000 };
/** The worker's budget: the product's default DESCOPE_SEARCH_RPM (150 of Descope's 200), as users deploy it. */
export const WORKER_SEARCH_RPM = Number(settings.DESCOPE_SEARCH_RPM.default);
/** Share of the configured budget a backfill should use (review T3). */
const TARGET_UTILISATION = 0.95;
/** A backfill's pages of 100 (the default and Descope's largest). */
const PAGE_SIZE = 100;
/**
 * Searches per page of users a backfill may make: under the limit, its time is its requests over the budget. The
 * floor is 1 (⌈users/100⌉); the rest is the short page each lane slice and crowded second ends with, and the one
 * or two users a resumed page reads again to anchor itself.
 */
const TARGET_REQUESTS_PER_PAGE = 1.1;

/** Scenario 2: a backfill against the rate limit: how much of the request budget it uses, and how many 429s. */
export async function rateLimitScenario(ctx: ScenarioContext): Promise<ScenarioResult> {
  const users = ctx.options.ratelimitUsers;
  const rule = SCALED_SEARCH_LIMIT;
  const rig = await startRig(ctx.servers, {
    seed: 2,
    userCount: users,
    testUserCount: 0,
    rateLimits: { search: rule },
  });
  try {
    const run = await rig.openRun({ searchRpm: WORKER_SEARCH_RPM });
    const m = await productBackfill(rig, run, { lanes: ctx.options.lanes });
    await run.close();
    if (m.users !== users) throw new Error(`the rate-limited backfill wrote ${m.users} of ${users} users`);
    const log = rig.emulator.counters.log('search');
    const made = log.length;
    const refused = log.filter((e) => e.status === 429).length;
    const allowed = (rule.limit * m.ms) / rule.windowMs;
    // What the configured budget lets through over the run: the figure a backfill should use up.
    const budgeted = (WORKER_SEARCH_RPM * m.ms) / 60_000;
    const utilisation = made / budgeted;
    const requestsPerPage = made / Math.ceil(users / PAGE_SIZE);
    const busiest = busiestWindow(
      log.map((e) => e.at),
      rule.windowMs,
    );
    return {
      name: 'ratelimit',
      title: `Backfill of ${users} users under the search limit (${rule.limit} per ${rule.windowMs / 1000} s = 200/min)`,
      command: reproduce('ratelimit', ctx.options),
      figures: {
        budgetUtilisation: round(utilisation, 3),
        descopeLimitUtilisation: round(made / allowed, 3),
        requestsMade: made,
        requestsPerPage: round(requestsPerPage, 3),
        requestsBudgeted: round(budgeted, 1),
        requestsAllowed: round(allowed, 1),
        rateLimited429: refused,
        busiestWindowRequests: busiest,
        seconds: round(m.ms / 1000, 2),
        usersPerSecond: round(m.usersPerSecond),
      },
      targets: [
        { figure: 'budgetUtilisation', goal: `≥ ${TARGET_UTILISATION}`, met: utilisation >= TARGET_UTILISATION },
        { figure: 'rateLimited429', goal: '= 0', met: refused === 0 },
        {
          figure: 'requestsPerPage',
          goal: `≤ ${TARGET_REQUESTS_PER_PAGE} (requests made / ⌈users/${PAGE_SIZE}⌉)`,
          met: requestsPerPage <= TARGET_REQUESTS_PER_PAGE,
        },
      ],
      table: {
        columns: [
          'requests made',
          `budgeted (${WORKER_SEARCH_RPM}/min)`,
          'of budget',
          'Descope allows',
          'of Descope limit',
          '429s',
          `busiest ${rule.windowMs / 1000} s`,
          'seconds',
        ],
        rows: [
          [
            made,
            round(budgeted, 1),
            round(utilisation, 3),
            round(allowed, 1),
            round(made / allowed, 3),
            refused,
            busiest,
            round(m.ms / 1000, 2),
          ],
        ],
      },
      notes: [
        `Emulator: search limited to ${rule.limit} per ${rule.windowMs} ms sliding window, ${rule.blockMs} ms block after a 429 (Descope's 200/min, 60 s block, with a 2x shorter window).`,
        `Worker: DESCOPE_SEARCH_RPM=${WORKER_SEARCH_RPM}, the product's default (75% of Descope's limit). Budgeted = ${WORKER_SEARCH_RPM}/min × run duration; budgetUtilisation = requests made / budgeted (target ≥ ${TARGET_UTILISATION}). Allowed = Descope's limit × run duration. The run is workflow start to result, so start-up and the last page count against it.`,
      ],
      details: {
        users,
        rule,
        workerSearchRpm: WORKER_SEARCH_RPM,
        ms: m.ms,
        requestTimesMs: log.map((e) => e.at - m.startMs),
      },
    };
  } finally {
    await rig.close();
  }
}

/** The most requests in any window of `windowMs` (sliding), from ascending times. */
function busiestWindow(times: number[], windowMs: number): number {
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < times.length; hi++) {
    while (times[hi]! - times[lo]! >= windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}
