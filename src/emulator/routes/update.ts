import type { Request, Router } from 'express';
import { apiActor, type EmulatorContext } from '../context';
import { userExists } from '../http/descopeErrors';
import { mountRoute } from '../http/route';
import { DuplicateUserError } from '../store/userStore';
import type { DescopeUser } from '../types';
import type { UserChanges } from '../users/userChanges';
import { patchBatchBody, patchBody, patchChanges, replacementChanges, updateBody } from '../users/userInput';
import { requireUser } from './lookup';
import { smallUpdates } from './smallUpdates';

export function updateRoutes(router: Router, ctx: EmulatorContext): void {
  const spec = { endpoint: 'update', rateClass: 'update' } as const;
  mountRoute(router, ctx, { ...spec, method: 'post', path: '/v1/mgmt/user/update' }, (req) => {
    const body = updateBody.parse(req.body ?? {});
    const user = requireUser(ctx, body.loginId);
    return { user: change(ctx, req, user, replacementChanges(body, user.loginIds)) };
  });
  mountRoute(router, ctx, { ...spec, method: 'patch', path: '/v1/mgmt/user/patch' }, (req) => {
    const body = patchBody.parse(req.body ?? {});
    const user = requireUser(ctx, body.loginId);
    return { user: change(ctx, req, user, patchChanges(body, user.loginIds)) };
  });
  mountRoute(router, ctx, { ...spec, method: 'patch', path: '/v1/mgmt/user/patch/batch' }, (req) => {
    const { users } = patchBatchBody.parse(req.body ?? {});
    const found: [DescopeUser, UserChanges][] = [];
    const missing: string[] = [];
    for (const body of users) {
      const user = ctx.users.store.resolve(body.loginId);
      if (user) found.push([user, patchChanges(body, user.loginIds)]);
      else missing.push(body.loginId);
    }
    const { changed, failed } = ctx.users.changeMany(found, apiActor(ctx, req.ip));
    return {
      patchedUsers: changed,
      failedUsers: [
        ...missing.map((loginId) => ({ failure: 'User not found', user: { loginIds: [loginId] } })),
        ...failed.map(([user, error]) => ({ failure: error.message, user })),
      ],
      additionalErrors: {},
    };
  });
  for (const update of smallUpdates) {
    mountRoute(router, ctx, { ...spec, method: 'post', path: update.path }, (req) => {
      const body = update.body.parse(req.body ?? {});
      const user = requireUser(ctx, body.loginId);
      return { user: change(ctx, req, user, update.changes(body, user)) };
    });
  }
}

function change(ctx: EmulatorContext, req: Request, user: DescopeUser, changes: UserChanges): DescopeUser {
  try {
    return ctx.users.change(user, changes, apiActor(ctx, req.ip));
  } catch (error) {
    if (error instanceof DuplicateUserError) throw userExists(error.loginId);
    throw error;
  }
}
