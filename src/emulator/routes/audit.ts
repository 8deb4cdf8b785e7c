import type { Router } from 'express';
import type { EmulatorContext } from '../context';
import { auditSearchBody, searchAudit } from '../audit/auditSearch';
import { mountRoute } from '../http/route';

export function auditRoutes(router: Router, ctx: EmulatorContext): void {
  const spec = { method: 'post', path: '/v1/mgmt/audit/search', endpoint: 'audit', rateClass: 'audit' } as const;
  mountRoute(router, ctx, spec, (req) =>
    searchAudit(ctx.audit.all(), auditSearchBody.parse(req.body ?? {}), ctx.now()),
  );
}
