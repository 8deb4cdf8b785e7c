import type { EmulatorContext } from '../context';
import { userNotFound } from '../http/descopeErrors';
import type { DescopeUser } from '../types';

/** Descope accepts a login id or a user id wherever the SDK says `loginIdOrUserId`. */
export function requireUser(ctx: EmulatorContext, loginIdOrUserId: string): DescopeUser {
  const user = ctx.users.store.resolve(loginIdOrUserId);
  if (!user) throw userNotFound(ctx.userNotFoundStatus);
  return user;
}
