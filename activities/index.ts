import { applyActivities } from './apply';
import { auditFeedActivities } from './auditFeed';
import { scanActivities } from './scan';
import { stateActivities } from './state';
import { sweepActivities } from './sweep';
import type { ActivityDeps } from './deps';
import { RateLimitGate } from './failures';
import { BudgetGate } from './budget';

export type { ActivityDeps } from './deps';

/**
 * Every side effect the workflows may ask for, built around clients created once by the worker. Scans and
 * sweeps pass the budget gates (a 429 wait, then a fleet budget slot) before each Descope request; the event
 * batcher takes its slots itself, with the same 429 waits.
 */
export function createActivities(given: ActivityDeps) {
  const waits = given.gates ?? { search: new RateLimitGate(), load: new RateLimitGate() };
  const budget = given.budget;
  const deps: ActivityDeps = {
    ...given,
    gates: budget
      ? { search: new BudgetGate(waits.search, budget, 'search'), load: new BudgetGate(waits.load, budget, 'load') }
      : waits,
  };
  return {
    ...scanActivities(deps),
    ...stateActivities(deps),
    ...applyActivities(deps, waits),
    ...sweepActivities(deps),
    ...auditFeedActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
