import express, { type Express } from 'express';
import { adminRouter, type AdminDeps } from './admin';
import type { EmulatorContext } from './context';
import { routeNotFound } from './http/descopeErrors';
import { sendError } from './http/route';
import { managementRouter } from './routes';

/** The emulator's HTTP app, apart from `listen`: Descope's management API plus the `/_emulator` admin API. */
export function createEmulatorApp(ctx: EmulatorContext, admin: Omit<AdminDeps, 'ctx'>): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use('/_emulator', express.json({ limit: '50mb' }), adminRouter({ ...admin, ctx }));
  app.use(managementRouter(ctx));
  app.use((req, res) => sendError(res, ctx, 'unknown', routeNotFound(req.path)));
  return app;
}
