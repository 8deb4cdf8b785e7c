import type { Request, Router } from 'express';
import { apiActor, type EmulatorContext } from '../context';
import { userExists } from '../http/descopeErrors';
import { mountRoute } from '../http/route';
import { DuplicateUserError } from '../store/userStore';
import { createBatchBody, createBody, createChanges } from '../users/userInput';

export function createRoutes(router: Router, ctx: EmulatorContext): void {
  const spec = { method: 'post', endpoint: 'create', rateClass: 'create' } as const;
  mountRoute(router, ctx, { ...spec, path: '/v1/mgmt/user/create' }, (req) => createOne(ctx, req, false));
  mountRoute(router, ctx, { ...spec, path: '/v1/mgmt/user/create/test' }, (req) => createOne(ctx, req, true));
  mountRoute(router, ctx, { ...spec, path: '/v1/mgmt/user/create/batch' }, (req) => {
    const body = createBatchBody.parse(req.body ?? {});
    const changes = body.users.map((user) => createChanges({ ...user, invite: user.invite ?? body.invite }, false));
    const { created, failed } = ctx.users.createMany(changes, apiActor(ctx, req.ip));
    return {
      createdUsers: created,
      failedUsers: failed.map(([user, error]) => ({ failure: error.message, user: { loginIds: user.loginIds ?? [] } })),
      additionalErrors: {},
    };
  });
}

function createOne(ctx: EmulatorContext, req: Request, test: boolean): { user: unknown } {
  const body = createBody.parse(req.body ?? {});
  try {
    return { user: ctx.users.create(createChanges(body, test), apiActor(ctx, req.ip)) };
  } catch (error) {
    if (error instanceof DuplicateUserError) throw userExists(error.loginId);
    throw error;
  }
}
