import type { Actor } from './audit/events';
import { randomToken } from './ids';
import type { Prng } from './prng';
import type { DescopeUser } from './types';
import type { UserChanges } from './users/userChanges';
import type { UserService } from './users/userService';

/**
 * Direct access to the project's users for tests and fixtures. Mutations go through the same write path as the
 * management API, so they bump `modifiedTime` and emit the same audit events (and webhooks). Users handed out
 * are copies: changing one changes nothing in the emulator.
 */
export interface EmulatorUsers {
  /** Missing fields get Descope's defaults; without login ids the user gets one made from its email. */
  create(user?: Partial<DescopeUser>): DescopeUser;
  /** One `UsersCreated` event for all of them. */
  createMany(users: Partial<DescopeUser>[]): DescopeUser[];
  /** Patch semantics: only the given fields change. `undefined` when no such user. */
  update(userId: string, patch: Partial<DescopeUser>): DescopeUser | undefined;
  /** One `UsersModified` event for all of them. */
  updateMany(patches: { userId: string; patch: Partial<DescopeUser> }[]): DescopeUser[];
  delete(userId: string): boolean;
  /** One `UsersDeleted` event; returns how many existed. */
  deleteMany(userIds: string[]): number;
  get(userId: string): DescopeUser | undefined;
  getByLoginId(loginId: string): DescopeUser | undefined;
  /** In (createdTime, userId) order. */
  all(): DescopeUser[];
  count(): number;
  /** Adds deterministic users (no audit events); returns how many were added. */
  seed(request: { count: number; seed?: number; testCount?: number }): number;
}

export function programmaticUsers(service: UserService, actor: Actor, prng: Prng): EmulatorUsers {
  // Copied on the way in as well as out: the caller keeps its arrays, the emulator its own.
  const changesOf = (user: Partial<DescopeUser>): UserChanges => {
    const { userId: _userId, ...changes } = structuredClone(user);
    if (changes.loginIds?.length) return changes;
    return { ...changes, loginIds: [changes.email || `user.${randomToken(prng, 10).toLowerCase()}@example.com`] };
  };
  return {
    create: (user = {}) => cloneUser(service.create(changesOf(user), actor, user.userId)),
    createMany: (users) => service.createMany(users.map(changesOf), actor).created.map(cloneUser),
    update: (userId, patch) => {
      const user = service.store.get(userId);
      if (!user) return undefined;
      const { userId: _userId, ...changes } = structuredClone(patch);
      return cloneUser(service.change(user, changes, actor));
    },
    updateMany: (patches) => {
      const pairs = patches.flatMap(({ userId, patch }) => {
        const user = service.store.get(userId);
        const { userId: _userId, ...changes } = structuredClone(patch);
        return user ? [[user, changes] as [DescopeUser, UserChanges]] : [];
      });
      return service.changeMany(pairs, actor).changed.map(cloneUser);
    },
    delete: (userId) => service.delete(userId, actor) !== undefined,
    deleteMany: (userIds) => service.deleteMany(userIds, actor).length,
    get: (userId) => copyOf(service.store.get(userId)),
    getByLoginId: (loginId) => copyOf(service.store.getByLoginId(loginId)),
    all: () => service.store.all().map(cloneUser),
    count: () => service.store.count(),
    seed: ({ count, seed, testCount }) => service.seed({ count, seed: seed ?? service.store.count() + 1, testCount }),
  };
}

const copyOf = (user: DescopeUser | undefined): DescopeUser | undefined => (user ? cloneUser(user) : undefined);

/** Hand-written deep copy: structuredClone is several times slower across a million users. */
export function cloneUser(user: DescopeUser): DescopeUser {
  return {
    ...user,
    loginIds: [...user.loginIds],
    externalIds: [...user.externalIds],
    roleNames: [...user.roleNames],
    userTenants: user.userTenants.map((tenant) => ({
      ...tenant,
      roleNames: [...tenant.roleNames],
      permissions: [...tenant.permissions],
    })),
    permissions: [...user.permissions],
    customAttributes: structuredCloneAttributes(user.customAttributes),
    OAuth: { ...user.OAuth },
    ssoAppIds: [...user.ssoAppIds],
  };
}

function structuredCloneAttributes(attributes: DescopeUser['customAttributes']): DescopeUser['customAttributes'] {
  return Object.fromEntries(
    Object.entries(attributes).map(([key, value]) => [key, Array.isArray(value) ? [...value] : value]),
  );
}
