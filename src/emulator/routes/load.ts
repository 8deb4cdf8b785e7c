import type { Router } from 'express';
import { z } from 'zod';
import type { EmulatorContext } from '../context';
import { invalidArguments, userNotFound } from '../http/descopeErrors';
import { mountRoute } from '../http/route';
import type { DescopeUser } from '../types';
import { requireUser } from './lookup';

const loadUsersBody = z.object({ userIds: z.array(z.string()), includeInvalidUsers: z.boolean().nullish() });

export function loadRoutes(router: Router, ctx: EmulatorContext): void {
  // node's SDK sends `?userId=` for loadByUserId and `?loginId=` (a login id or a user id) for load.
  mountRoute(router, ctx, { method: 'get', path: '/v1/mgmt/user', endpoint: 'load', rateClass: 'load' }, (req) => {
    const { userId, loginId } = req.query;
    if (typeof userId === 'string' && userId) {
      const user = ctx.users.store.get(userId);
      if (!user) throw userNotFound(ctx.userNotFoundStatus);
      return { user };
    }
    if (typeof loginId === 'string' && loginId) return { user: requireUser(ctx, loginId) };
    throw invalidArguments('userId or loginId is required');
  });

  /** Unknown ids are left out rather than failing the call. */
  const spec = { method: 'post', path: '/v1/mgmt/users/load', endpoint: 'loadUsers', rateClass: 'load' } as const;
  mountRoute(router, ctx, spec, (req) => {
    const { userIds } = loadUsersBody.parse(req.body ?? {});
    const users = userIds.map((id) => ctx.users.store.get(id)).filter((user): user is DescopeUser => !!user);
    return { users };
  });
}
