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
   * Lower-cased login id to user id (Descope matches login ids case-insensitively). Dropped by a bulk seed and
   * rebuilt on first use: filling it costs as much as the rest of seeding, and many runs never look one up.
   */
  private loginIndex: Map<string, string> | undefined = new Map();
  /** Kept so that an unfiltered search knows its total without scanning a million users. */
  private tests = 0;
  private changes = 0;
  readonly created = new TimeIndex((user) => user.createdTime, compareByCreated);
  readonly modified = new TimeIndex((user) => user.modifiedTime, compareByModified);

  count(): number {
    return this.byId.size;
  }

  testCount(): number {
    return this.tests;
  }

  /** Changes with every write, so cached search results know when they are stale. */
  version(): number {
    return this.changes;
  }

  get(userId: string): DescopeUser | undefined {
    return this.byId.get(userId);
  }

  getByLoginId(loginId: string): DescopeUser | undefined {
    const userId = this.logins().get(loginId.toLowerCase());
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
    this.changes++;
    if (this.byId.has(user.userId)) throw new DuplicateUserError(user.userId);
    this.assertLoginIdsFree(user);
    this.byId.set(user.userId, user);
    this.tests += user.test ? 1 : 0;
    this.indexLoginIds(user);
    this.created.insert(user);
    this.modified.insert(user);
  }

  /** Bulk insert for seeding; users whose id or login ids are taken are skipped, and their count returned. */
  insertMany(users: DescopeUser[]): number {
    this.changes++;
    // A seed into an empty project is unique by construction: no checks, and the login index waits until used.
    const trusted = this.byId.size === 0;
    if (trusted) this.loginIndex = undefined;
    const accepted: DescopeUser[] = [];
    for (const user of users) {
      if (!trusted && (this.byId.has(user.userId) || this.takenLoginId(user) !== undefined)) continue;
      this.byId.set(user.userId, user);
      this.tests += user.test ? 1 : 0;
      if (!trusted) this.indexLoginIds(user);
      accepted.push(user);
    }
    this.created.addMany(accepted);
    this.modified.addMany(accepted);
    return users.length - accepted.length;
  }

  replace(next: DescopeUser): DescopeUser {
    this.changes++;
    const previous = this.byId.get(next.userId);
    if (!previous) throw new Error(`no user ${next.userId}`);
    this.assertLoginIdsFree(next);
    this.unindexLoginIds(previous);
    this.indexLoginIds(next);
    this.byId.set(next.userId, next);
    this.tests += (next.test ? 1 : 0) - (previous.test ? 1 : 0);
    this.created.replace(previous, next);
    this.modified.replace(previous, next);
    return previous;
  }

  remove(userId: string): DescopeUser | undefined {
    this.changes++;
    const user = this.byId.get(userId);
    if (!user) return undefined;
    this.byId.delete(userId);
    this.tests -= user.test ? 1 : 0;
    this.unindexLoginIds(user);
    this.created.remove(user);
    this.modified.remove(user);
    return user;
  }

  /** Removes many users with one pass over each index instead of a splice per user. */
  removeMany(userIds: readonly string[]): DescopeUser[] {
    this.changes++;
    const removed = userIds.map((id) => this.byId.get(id)).filter((user) => user !== undefined);
    if (removed.length < 32) return removed.map((user) => this.remove(user.userId) as DescopeUser);
    for (const user of removed) {
      this.byId.delete(user.userId);
      this.tests -= user.test ? 1 : 0;
      this.unindexLoginIds(user);
    }
    const ids = new Set(removed.map((user) => user.userId));
    this.created.removeAll(ids);
    this.modified.removeAll(ids);
    return removed;
  }

  clear(): void {
    this.changes++;
    this.byId.clear();
    this.tests = 0;
    this.loginIndex = new Map();
    this.created.clear();
    this.modified.clear();
  }

  private logins(): Map<string, string> {
    if (this.loginIndex) return this.loginIndex;
    this.loginIndex = new Map();
    for (const user of this.byId.values()) this.indexLoginIds(user);
    return this.loginIndex;
  }

  private indexLoginIds(user: DescopeUser): void {
    const index = this.logins();
    for (const loginId of user.loginIds) index.set(loginId.toLowerCase(), user.userId);
  }

  private unindexLoginIds(user: DescopeUser): void {
    const index = this.logins();
    for (const loginId of user.loginIds) index.delete(loginId.toLowerCase());
  }

  private takenLoginId(user: DescopeUser): string | undefined {
    const index = this.logins();
    return user.loginIds.find((loginId) => {
      const owner = index.get(loginId.toLowerCase());
      return owner !== undefined && owner !== user.userId;
    });
  }

  private assertLoginIdsFree(user: DescopeUser): void {
    const taken = this.takenLoginId(user);
    if (taken !== undefined) throw new DuplicateUserError(taken);
  }
}
