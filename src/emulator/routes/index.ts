import { Router } from 'express';
import type { EmulatorContext } from '../context';
import { auditRoutes } from './audit';
import { createRoutes } from './create';
import { deleteRoutes } from './delete';
import { licenseRoutes } from './license';
import { loadRoutes } from './load';
import { searchRoutes } from './search';
import { updateRoutes } from './update';

/** Descope's management API, as far as the SDK's user and audit calls reach. */
export function managementRouter(ctx: EmulatorContext): Router {
  const router = Router();
  for (const register of [
    licenseRoutes,
    searchRoutes,
    loadRoutes,
    createRoutes,
    updateRoutes,
    deleteRoutes,
    auditRoutes,
  ]) {
    register(router, ctx);
  }
  return router;
}
