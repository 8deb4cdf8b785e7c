import { versionOfDocument, type HistoryVersion } from '../../src/store/history';
import { toUserDocument } from '../../src/store/userDocument';
import type { UserDocument } from '../../src/store';
import { elapsed, perSecond } from '../stats';
import type { Rig, Run } from '../rig';
import type { BackfillMeasure } from './backfillRun';

const PAGE = 100;

export interface RawMeasure extends BackfillMeasure {
  /** Where the loop spent its time. */
  searchMs: number;
  insertMs: number;
}

/**
 * The floor a backfill cannot beat on this machine: the same SDK wrapper paging the emulator by offset
 * (one request per 100 users, no keyset, no ordering guard) and insertMany of the same stored documents the
 * product writes (Descope's fields plus the `_sync` metadata) into a fresh database, then, as the product's write
 * path does for users seen for the first time, one insertMany of their first `user_history` versions. No Temporal.
 */
export async function rawBackfill(rig: Rig, run: Run, concurrency = 1): Promise<RawMeasure> {
  const collection = run.store.db.collection<UserDocument>('raw_users');
  const history = run.store.db.collection<HistoryVersion>('raw_user_history');
  const upperMs = Date.now();
  const written: { atMs: number; amount: number }[] = [];
  let searchMs = 0;
  let insertMs = 0;
  let requests = 0;
  // `concurrency` readers take the next page number in turn (nothing changes while it runs, so offsets hold);
  // the first short page ends the range, and readers stop taking pages past it.
  let nextPage = 0;
  let end = Infinity;
  const reader = async () => {
    for (let page = nextPage++; page < end; page = nextPage++) {
      const s0 = performance.now();
      const { users } = await rig.descope.searchUsers({
        page,
        limit: PAGE,
        sort: [{ field: 'createdTime' }],
        toCreatedTime: upperMs,
      });
      searchMs += elapsed(s0);
      requests += 1;
      const i0 = performance.now();
      const observedAt = Date.now();
      const now = new Date(observedAt);
      if (users.length > 0) {
        const docs = users.map((user) => toUserDocument(user, observedAt, 'backfill', now));
        await collection.insertMany(docs);
        await history.insertMany(docs.map((doc) => versionOfDocument(doc, now)));
      }
      insertMs += elapsed(i0);
      written.push({ atMs: Date.now(), amount: users.length });
      if (users.length < PAGE) end = Math.min(end, page);
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, reader));
  const ms = elapsed(t0);
  const users = written.reduce((sum, w) => sum + w.amount, 0);
  return {
    users,
    ms,
    usersPerSecond: users / (ms / 1000),
    requests,
    timeline: perSecond(written, upperMs, upperMs + ms),
    searchMs,
    insertMs,
  };
}
