import type { Router } from 'express';
import type { EmulatorContext } from '../context';
import { mountRoute } from '../http/route';

/** The node SDK fetches this once at start-up and only logs a warning if it fails. */
export function licenseRoutes(router: Router, ctx: EmulatorContext): void {
  mountRoute(router, ctx, { method: 'get', path: '/v1/mgmt/license', endpoint: 'license' }, () => ({
    rateLimitTier: 'tier1',
  }));
}
