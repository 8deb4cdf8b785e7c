import { applyActivities } from './apply';
import { scanActivities } from './scan';
import { stateActivities } from './state';
import { sweepActivities } from './sweep';
import type { ActivityDeps } from './deps';
import { RateLimitGate } from './failures';

export type { ActivityDeps } from './deps';

/** Every side effect the workflows may ask for, built around clients created once by the worker. */
export function createActivities(given: ActivityDeps) {
  const deps: ActivityDeps = {
    ...given,
    gates: given.gates ?? { search: new RateLimitGate(), load: new RateLimitGate() },
  };
  return {
    ...scanActivities(deps),
    ...stateActivities(deps),
    ...applyActivities(deps),
    ...sweepActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
