import type { AuditLog } from '../audit/auditLog';
import { batchEvent, userEvent, type Actor } from '../audit/events';
import { descopeId } from '../ids';
import type { Prng } from '../prng';
import { seedUsers } from '../seed/seedUsers';
import type { UserStore } from '../store/userStore';
import type { DescopeUser } from '../types';
import { applyChanges, buildUser, changedFields, type UserChanges } from './userChanges';

export interface UserServiceDeps {
  store: UserStore;
  audit: AuditLog;
  projectId: string;
  /** Milliseconds. */
  now: () => number;
  /** Draws new user ids, so a seeded run also creates the same ids. */
  prng: Prng;
  /** Where seeded history ends, in epoch seconds; fixed so that the same seed yields the same users. */
  seedEndSec: number;
}

export interface SeedRequest {
  seed: number;
  count: number;
  testCount?: number;
  endSec?: number;
}

/**
 * The one write path for users: the management API, the admin API and the programmatic API all go through here,
 * so every change bumps `modifiedTime` and produces the audit event Descope would.
 */
export class UserService {
  private seedIndex = 0;

  constructor(private readonly deps: UserServiceDeps) {}

  get store(): UserStore {
    return this.deps.store;
  }

  nowSec(): number {
    return Math.floor(this.deps.now() / 1000);
  }

  create(changes: UserChanges, actor: Actor, userId?: string): DescopeUser {
    const user = this.build(changes, userId);
    this.deps.store.insert(user);
    this.emit([userEvent('UserCreated', user, this.base(actor))]);
    return user;
  }

  /** Creates what it can; a failure (say, a taken login id) does not stop the rest, as in Descope. */
  createMany(list: readonly UserChanges[], actor: Actor): { created: DescopeUser[]; failed: [UserChanges, Error][] } {
    const created: DescopeUser[] = [];
    const failed: [UserChanges, Error][] = [];
    for (const changes of list) {
      try {
        const user = this.build(changes);
        this.deps.store.insert(user);
        created.push(user);
      } catch (error) {
        failed.push([changes, error as Error]);
      }
    }
    if (created.length > 0) this.emit([batchEvent('UsersCreated', created, this.base(actor))]);
    return { created, failed };
  }

  change(user: DescopeUser, changes: UserChanges, actor: Actor): DescopeUser {
    const next = applyChanges(user, changes, this.nowSec());
    this.deps.store.replace(next);
    this.emit([userEvent('UserModified', next, this.base(actor), { Change: changedFields(user, next) })]);
    return next;
  }

  changeMany(
    list: readonly [DescopeUser, UserChanges][],
    actor: Actor,
  ): { changed: DescopeUser[]; failed: [DescopeUser, Error][] } {
    const changed: DescopeUser[] = [];
    const failed: [DescopeUser, Error][] = [];
    for (const [user, changes] of list) {
      try {
        const next = applyChanges(user, changes, this.nowSec());
        this.deps.store.replace(next);
        changed.push(next);
      } catch (error) {
        failed.push([user, error as Error]);
      }
    }
    if (changed.length > 0) this.emit([batchEvent('UsersModified', changed, this.base(actor))]);
    return { changed, failed };
  }

  delete(userId: string, actor: Actor): DescopeUser | undefined {
    const user = this.deps.store.remove(userId);
    if (user) this.emit([userEvent('UserDeleted', user, this.base(actor))]);
    return user;
  }

  deleteMany(userIds: readonly string[], actor: Actor): DescopeUser[] {
    const removed = this.deps.store.removeMany(userIds);
    if (removed.length > 0) this.emit([batchEvent('UsersDeleted', removed, this.base(actor))]);
    return removed;
  }

  /** Seeding is setup, not activity: no audit events. Returns how many users were added. */
  seed(request: SeedRequest): number {
    const users = seedUsers({
      seed: request.seed,
      count: request.count,
      testCount: request.testCount ?? 0,
      endSec: request.endSec ?? this.deps.seedEndSec,
      startIndex: this.seedIndex,
    });
    this.seedIndex += users.length;
    return users.length - this.deps.store.insertMany(users);
  }

  clear(): void {
    this.deps.store.clear();
    this.seedIndex = 0;
  }

  private build(changes: UserChanges, userId?: string): DescopeUser {
    let id = userId;
    while (id === undefined || (userId === undefined && this.deps.store.get(id))) id = descopeId('U', this.deps.prng);
    return buildUser(id, changes, this.nowSec());
  }

  private base(actor: Actor): { projectId: string; actor: Actor; occurred: number } {
    return { projectId: this.deps.projectId, actor, occurred: this.deps.now() };
  }

  private emit(events: Parameters<AuditLog['record']>[0]): void {
    this.deps.audit.record(events);
  }
}
