import { MongoClient, type Collection, type Db } from 'mongodb';
import { installDriverGuard } from './driverGuard';
import { isDuplicateKey, writeUserObservations } from './writeUsers';
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
  workflowId?: string;
}

/** Everything that touches MongoDB. Built once per process around one MongoClient and passed in. */
export class MongoStore {
  readonly users: Collection<UserDocument>;
  readonly syncState: Collection<SyncStateDocument>;
  readonly events: Collection<EventRecord>;

  constructor(
    readonly client: MongoClient,
    readonly db: Db,
  ) {
    this.users = db.collection<UserDocument>('users');
    this.syncState = db.collection<SyncStateDocument>('sync_state');
    this.events = db.collection<EventRecord>('events');
  }

  static async connect(uri: string, dbName: string, options: { serverSelectionTimeoutMS?: number } = {}) {
    installDriverGuard(); // a server restart must not leave this process's client stuck; see driverGuard.ts
    const client = new MongoClient(uri, { serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 10_000 });
    await client.connect();
    return new MongoStore(client, client.db(dbName));
  }

  /** Indexes the sweep's candidate query and the status counts need. Idempotent. */
  async ensureIndexes(): Promise<void> {
    await this.users.createIndex({ [`${META}.deleted`]: 1, [`${META}.observedAt`]: 1 }, { name: 'deleted_observedAt' });
    await this.events.createIndex({ receivedAt: 1 }, { name: 'receivedAt' });
  }

  /** The one write path for user state (see writeUsers.ts). */
  writeUsers(observations: UserObservation[], source: WriteSource): Promise<WriteResult> {
    return writeUserObservations(this.users, observations, source);
  }

  async getUser(userId: string): Promise<{ user: DescopeUser; meta: UserDocument[typeof META] } | undefined> {
    const doc = await this.users.findOne({ _id: userId });
    return doc ? { user: fromUserDocument(doc), meta: doc[META] } : undefined;
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
    fields: Omit<EventRecord, '_id' | 'receivedAt' | 'workflowId'>,
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
