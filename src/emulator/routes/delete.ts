import type { Router } from 'express';
import { z } from 'zod';
import { apiActor, type EmulatorContext } from '../context';
import { invalidArguments } from '../http/descopeErrors';
import { mountRoute } from '../http/route';

const deleteBody = z.object({ loginId: z.string().nullish(), userId: z.string().nullish() });
const deleteBatchBody = z.object({ userIds: z.array(z.string()) });

/** Deleting a user that does not exist succeeds: deletes are idempotent, so retries are safe. */
export function deleteRoutes(router: Router, ctx: EmulatorContext): void {
  const spec = { endpoint: 'delete', rateClass: 'delete' } as const;
  mountRoute(router, ctx, { ...spec, method: 'post', path: '/v1/mgmt/user/delete' }, (req) => {
    const { loginId, userId } = deleteBody.parse(req.body ?? {});
    const identifier = userId || loginId;
    if (!identifier) throw invalidArguments('loginId or userId is required');
    const user = userId ? ctx.users.store.get(userId) : ctx.users.store.resolve(identifier);
    if (user) ctx.users.delete(user.userId, apiActor(ctx, req.ip));
    return {};
  });
  mountRoute(router, ctx, { ...spec, method: 'post', path: '/v1/mgmt/user/delete/batch' }, (req) => {
    const { userIds } = deleteBatchBody.parse(req.body ?? {});
    ctx.users.deleteMany(userIds, apiActor(ctx, req.ip));
    return {};
  });
  mountRoute(router, ctx, { ...spec, method: 'delete', path: '/v1/mgmt/user/test/delete/all' }, (req) => {
    const testUserIds = ctx.users.store
      .all()
      .filter((user) => user.test)
      .map((user) => user.userId);
    ctx.users.deleteMany(testUserIds, apiActor(ctx, req.ip));
    return {};
  });
}
