import { MongoClient, type Collection, type Db, type Filter } from 'mongodb';
import { installDriverGuard } from './driverGuard';
import { detectServerLimits, MONGODB_LIMITS, type ServerLimits } from './serverLimits';
import { isDuplicateKey, writeUserObservations } from './writeUsers';
import type { HistoryVersion } from './history';
import { pruneHistory, readUserHistory, type UserVersion } from './historyRead';
import type { Refusal } from './refusals';
import { fromUserDocument } from './userDocument';
import {
  META,
  type DescopeUser,
  type UserDocument,
  type UserObservation,
  type WriteResult,
  type WriteSource,
} from './types';

export interface SyncStateDocument {
  _id: string;
  [field: string]: unknown;
}

export interface EventRecord {
  _id: string;
  action: string;
  userId: string | null;
  occurredAt: number | null;
  receivedAt: number;
  appliedAt?: number;
  outcome?: string;
}

/**
 * A user the MongoDB server refused to store (`refused` collection, keyed by userId): the server's reason,
 * which write path met it, the observation times of the first and last refusal (epoch ms) and how many.
 * Removed when a later write of the user succeeds.
 */
export interface RefusalRecord {
  _id: string;
  userId: string;
  reason: string;
  code: number | null;
  source: WriteSource;
  firstAt: number;
  lastAt: number;
  count: number;
}

/** Everything that touches MongoDB. Built once per process around one MongoClient and passed in. */
export class MongoStore {
  readonly users: Collection<UserDocument>;
  readonly syncState: Collection<SyncStateDocument>;
  readonly events: Collection<EventRecord>;
  readonly refused: Collection<RefusalRecord>;
  readonly history: Collection<HistoryVersion>;

  constructor(
    readonly client: MongoClient,
    readonly db: Db,
    /** What the write path adapts to this server (serverLimits.ts); MongoDB's unless connect() found otherwise. */
    readonly limits: ServerLimits = MONGODB_LIMITS,
  ) {
    this.users = db.collection<UserDocument>('users');
    this.syncState = db.collection<SyncStateDocument>('sync_state');
    this.events = db.collection<EventRecord>('events');
    this.refused = db.collection<RefusalRecord>('refused');
    this.history = db.collection<HistoryVersion>('user_history');
  }

  static async connect(uri: string, dbName: string, options: { serverSelectionTimeoutMS?: number } = {}) {
    installDriverGuard(); // a server restart must not leave this process's client stuck; see driverGuard.ts
    const client = new MongoClient(uri, { serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 10_000 });
    await client.connect();
    const db = client.db(dbName);
    return new MongoStore(client, db, await detectServerLimits(db));
  }

  /** Indexes the sweep's candidate query and the status counts need. Idempotent. */
  async ensureIndexes(): Promise<void> {
    await this.users.createIndex({ [`${META}.deleted`]: 1, [`${META}.observedAt`]: 1 }, { name: 'deleted_observedAt' });
    await this.events.createIndex({ receivedAt: 1 }, { name: 'receivedAt' });
    // A user's versions in time order (`history`, each write's read of stamps), and versions by time (pruning).
    await this.history.createIndex({ userId: 1, validFrom: 1 }, { name: 'userId_validFrom' });
    await this.history.createIndex({ validFrom: 1 }, { name: 'validFrom' });
  }

  /**
   * The one write path for user state (see writeUsers.ts). Users the server refuses are recorded in
   * `refused`; a user written (or found newer) by this call loses an older record.
   */
  async writeUsers(observations: UserObservation[], source: WriteSource): Promise<WriteResult> {
    const { refusals, ...result } = await writeUserObservations(this.users, observations, source, {
      history: this.history,
      limits: this.limits,
    });
    const refusedIds = new Set(refusals.map((r) => r.userId));
    const settled = observations.filter((o) => !refusedIds.has(o.kind === 'snapshot' ? o.user.userId : o.userId));
    if (settled.length > 0) {
      await this.refused.deleteMany({
        $or: settled.map((o) => ({
          _id: o.kind === 'snapshot' ? o.user.userId : o.userId,
          lastAt: { $lte: o.observedAt },
        })),
      });
    }
    for (const refusal of refusals) await this.recordRefusal(refusal, source);
    return result;
  }

  private async recordRefusal(refusal: Refusal, source: WriteSource): Promise<void> {
    const update = {
      $set: { userId: refusal.userId, reason: refusal.reason.slice(0, 1000), code: refusal.code, source },
      $max: { lastAt: refusal.observedAt },
      $min: { firstAt: refusal.observedAt },
      $inc: { count: 1 },
    };
    // Two writers recording the same user at once: the loser of the insert race updates on its second try.
    for (let attempt = 0; ; attempt++) {
      try {
        await this.refused.updateOne({ _id: refusal.userId }, update, { upsert: true });
        return;
      } catch (error) {
        if (!isDuplicateKey(error) || attempt > 0) throw error;
      }
    }
  }

  /** The users the server refused to store, most recent first. */
  listRefused(limit = 100): Promise<RefusalRecord[]> {
    return this.refused.find({}).sort({ lastAt: -1 }).limit(limit).toArray();
  }

  countRefused(): Promise<number> {
    return this.refused.countDocuments({});
  }

  /**
   * One batch of the sweep's candidates: stored live users last observed before `before` (the full scan did
   * not return them), in _id order after `afterId`. Stored test users are left out unless the project syncs
   * them (scans never return them otherwise), and so is a user whose write since `before` was refused: the
   * scan did see it. `next` is where the following batch starts (null: no more).
   */
  async listSweepCandidates(input: {
    before: number;
    afterId: string | null;
    limit: number;
    includeTestUsers: boolean;
  }): Promise<{ candidates: string[]; next: string | null }> {
    const filter: Filter<UserDocument> = {
      [`${META}.deleted`]: false,
      [`${META}.observedAt`]: { $lt: input.before },
    };
    if (input.afterId !== null) filter._id = { $gt: input.afterId };
    if (!input.includeTestUsers) filter.test = { $ne: true };
    const docs = await this.users
      .find(filter, { projection: { _id: 1 } })
      .sort({ _id: 1 })
      .limit(input.limit)
      .toArray();
    const ids = docs.map((d) => d._id);
    const next = ids.length < input.limit ? null : (ids.at(-1) ?? null);
    if (ids.length === 0) return { candidates: ids, next };
    const seen = await this.refused
      .find({ _id: { $in: ids }, lastAt: { $gte: input.before } }, { projection: { _id: 1 } })
      .toArray();
    const refusedSince = new Set(seen.map((r) => r._id));
    return { candidates: ids.filter((id) => !refusedSince.has(id)), next };
  }

  async getUser(userId: string): Promise<{ user: DescopeUser; meta: UserDocument[typeof META] } | undefined> {
    const doc = await this.users.findOne({ _id: userId });
    return doc ? { user: fromUserDocument(doc), meta: doc[META] } : undefined;
  }

  /** A user's versions, oldest first, `validTo` derived (see historyRead.ts); [] for a user never stored. */
  userHistory(userId: string): Promise<UserVersion[]> {
    return readUserHistory(this.history, userId);
  }

  /** HISTORY_RETENTION: drops versions superseded before `beforeMs`, stopping at `deadline` (epoch ms). */
  pruneHistory(beforeMs: number, deadline?: number): Promise<{ pruned: number; complete: boolean }> {
    return pruneHistory(this.history, beforeMs, deadline);
  }

  async countUsers(): Promise<{ live: number; deleted: number }> {
    const [live, deleted] = await Promise.all([
      this.users.countDocuments({ [`${META}.deleted`]: false }),
      this.users.countDocuments({ [`${META}.deleted`]: true }),
    ]);
    return { live, deleted };
  }

  /**
   * Records what applying one audit event did. The first record of an event is an insert (an `_id` lookup
   * on every MongoDB-wire server; FerretDB v1 scans the whole collection for any update, so an upsert here
   * cost ~50 ms at 20,000 events against ~1.4 ms for the insert). A retried activity finds its record and
   * updates it, keeping the first receipt time.
   */
  async recordEvent(
    eventId: string,
    fields: Omit<EventRecord, '_id' | 'receivedAt'>,
    receivedAt: number,
  ): Promise<void> {
    try {
      await this.events.insertOne({ _id: eventId, ...fields, receivedAt });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      await this.events.updateOne({ _id: eventId }, { $set: fields });
    }
  }

  /** Drops the records of events received before `beforeMs`; returns how many went. */
  async pruneEvents(beforeMs: number): Promise<number> {
    return (await this.events.deleteMany({ receivedAt: { $lt: beforeMs } })).deletedCount;
  }

  async getState<T extends object>(id: string): Promise<(T & { _id: string }) | undefined> {
    const doc = await this.syncState.findOne({ _id: id });
    return (doc as (T & { _id: string }) | null) ?? undefined;
  }

  async setState(id: string, fields: Record<string, unknown>): Promise<void> {
    await this.syncState.updateOne({ _id: id }, { $set: { ...fields, updatedAt: new Date() } }, { upsert: true });
  }

  /** Raises a numeric field to `value` unless it already holds more, in one atomic update: never moves it back. */
  async raiseState(id: string, field: string, value: number): Promise<void> {
    await this.syncState.updateOne(
      { _id: id },
      { $max: { [field]: value }, $set: { updatedAt: new Date() } },
      { upsert: true },
    );
  }

  async ping(): Promise<boolean> {
    try {
      await this.db.command({ ping: 1 });
      return true;
    } catch {
      return false;
    }
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
