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
 * product writes (Descope's fields plus the `_sync` metadata) into a fresh database. No Temporal.
 */
export async function rawBackfill(rig: Rig, run: Run): Promise<RawMeasure> {
  const collection = run.store.db.collection<UserDocument>('raw_users');
  const upperMs = Date.now();
  const written: { atMs: number; amount: number }[] = [];
  let searchMs = 0;
  let insertMs = 0;
  let requests = 0;
  const t0 = performance.now();
  for (let page = 0; ; page++) {
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
    if (users.length > 0)
      await collection.insertMany(users.map((user) => toUserDocument(user, observedAt, 'backfill', now)));
    insertMs += elapsed(i0);
    written.push({ atMs: Date.now(), amount: users.length });
    if (users.length < PAGE) break;
  }
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
