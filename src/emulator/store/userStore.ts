import type { DescopeUser } from '../types';
import { compareByCreated, compareByModified } from './order';
import { TimeIndex } from './timeIndex';

/** A storage conflict: the caller maps it to Descope's "already exists" error. */
export class DuplicateUserError extends Error {
  constructor(readonly loginId: string) {
    super(`a user with login id ${loginId} already exists`);
    this.name = 'DuplicateUserError';
  }
}

/**
 * The project's users and their indexes. Stored users are immutable: a change stores a new object, so the
 * indexes can locate the old version by its old times, and pooled arrays can be shared between users.
 */
export class UserStore {
  private readonly byId = new Map<string, DescopeUser>();
  /**
   * Lower-cased login id to user id (Descope matches login ids case-insensitively). Built on first use after a
   * bulk seed: filling it costs as much as the rest of seeding, and many runs never look a login id up.
   */
  private loginIndex: Map<string, string> | undefined = new Map();
  readonly created = new TimeIndex((user) => user.createdTime, compareByCreated);
  readonly modified = new TimeIndex((user) => user.modifiedTime, compareByModified);

  count(): number {
    return this.byId.size;
  }

  get(userId: string): DescopeUser | undefined {
    return this.byId.get(userId);
  }

  getByLoginId(loginId: string): DescopeUser | undefined {
    const userId = this.byLoginId.get(loginId.toLowerCase());
    return userId === undefined ? undefined : this.byId.get(userId);
  }

  /** Descope accepts either identifier wherever the SDK says `loginIdOrUserId`. */
  resolve(loginIdOrUserId: string): DescopeUser | undefined {
    return this.getByLoginId(loginIdOrUserId) ?? this.get(loginIdOrUserId);
  }

  /** Users in (createdTime, userId) order. */
  all(): DescopeUser[] {
    const users = new Array<DescopeUser>(this.created.size);
    for (let i = 0; i < users.length; i++) users[i] = this.created.at(i) as DescopeUser;
    return users;
  }

  insert(user: DescopeUser): void {
    this.assertFree(user, undefined);
    this.byId.set(user.userId, user);
    this.indexLoginIds(user);
    this.created.insert(user);
    this.modified.insert(user);
  }

  /** Bulk insert for seeding; users whose id or login ids are taken are skipped, and their count returned. */
  insertMany(users: DescopeUser[]): number {
    // A seed into an empty project is unique by construction; skipping the checks halves seeding time at 1M users.
    const trusted = this.byId.size === 0;
    const accepted: DescopeUser[] = [];
    for (const user of users) {
      if (!trusted && (this.byId.has(user.userId) || !this.loginIdsFree(user, undefined))) continue;
      this.byId.set(user.userId, user);
      this.indexLoginIds(user);
      accepted.push(user);
    }
    this.created.addMany(accepted);
    this.modified.addMany(accepted);
    return users.length - accepted.length;
  }

  replace(next: DescopeUser): DescopeUser {
    const previous = this.byId.get(next.userId);
    if (!previous) throw new Error(`no user ${next.userId}`);
    this.assertFree(next, next.userId);
    for (const loginId of previous.loginIds) this.byLoginId.delete(loginId.toLowerCase());
    this.indexLoginIds(next);
    this.byId.set(next.userId, next);
    this.created.replace(previous, next);
    this.modified.replace(previous, next);
    return previous;
  }

  remove(userId: string): DescopeUser | undefined {
    const user = this.byId.get(userId);
    if (!user) return undefined;
    this.unindex(user);
    this.created.remove(user);
    this.modified.remove(user);
    return user;
  }

  /** Removes many users with one pass over each index. */
  removeMany(userIds: readonly string[]): DescopeUser[] {
    const removed = userIds.map((id) => this.byId.get(id)).filter((user) => user !== undefined);
    if (removed.length < 32) return removed.map((user) => this.remove(user.userId) as DescopeUser);
    removed.forEach((user) => this.unindex(user));
    const ids = new Set(removed.map((user) => user.userId));
    this.created.removeAll(ids);
    this.modified.removeAll(ids);
    return removed;
  }

  clear(): void {
    this.byId.clear();
    this.byLoginId.clear();
    this.created.clear();
    this.modified.clear();
  }

  private unindex(user: DescopeUser): void {
    this.byId.delete(user.userId);
    for (const loginId of user.loginIds) this.byLoginId.delete(loginId.toLowerCase());
  }

  private indexLoginIds(user: DescopeUser): void {
    const loginIds = user.loginIds;
    for (let i = 0; i < loginIds.length; i++) this.byLoginId.set((loginIds[i] as string).toLowerCase(), user.userId);
  }

  private loginIdsFree(user: DescopeUser, self: string | undefined): boolean {
    return user.loginIds.every((loginId) => {
      const owner = this.byLoginId.get(loginId.toLowerCase());
      return owner === undefined || owner === self;
    });
  }

  private assertFree(user: DescopeUser, self: string | undefined): void {
    if (self === undefined && this.byId.has(user.userId)) throw new DuplicateUserError(user.userId);
    const taken = user.loginIds.find((loginId) => {
      const owner = this.byLoginId.get(loginId.toLowerCase());
      return owner !== undefined && owner !== self;
    });
    if (taken !== undefined) throw new DuplicateUserError(taken);
  }
}
