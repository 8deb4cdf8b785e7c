import type { AnyBulkWriteOperation, Collection } from 'mongodb';
import { isRefusal, reasonOf, REFUSED_CODES, writeFailures } from './refusals';
import type { UserDocument } from './types';

const DUPLICATE_KEY = 11000;

/** True for MongoDB's duplicate-key error (E11000): the document is stored already. */
export function isDuplicateKey(error: unknown): boolean {
  return (error as { code?: number } | null)?.code === DUPLICATE_KEY;
}

/** Why the server (or the driver) refused a user, by user id. */
export type Refused = Map<string, { reason: string; code: number | null }>;

/**
 * Inserts every document in one unordered insertMany. Returns the ids already stored (a duplicate key: the
 * guard's business) and the ids refused for good. Anything else is rethrown, so the activity retries the
 * whole write. That includes a bulk error with no write errors at all: the driver wraps a connection closed
 * mid-command or a server it could not select that way, and reading it as "nothing refused" would report
 * unwritten users as inserted. So every document must be accounted for: inserted, a duplicate, or refused.
 */
export async function insertNew(
  users: Collection<UserDocument>,
  docs: UserDocument[],
): Promise<{ existing: Set<string>; refused: Refused }> {
  const existing = new Set<string>();
  const refused: Refused = new Map();
  if (docs.length === 0) return { existing, refused };
  try {
    await users.insertMany(docs, { ordered: false });
    return { existing, refused };
  } catch (error) {
    // The driver serialises the whole batch first: one document it cannot encode fails them all.
    if (isRefusal(error)) return insertEach(users, docs);
    const failures = writeFailures(error);
    const inserted = (error as { insertedCount?: number }).insertedCount ?? 0;
    if (failures.length === 0 || inserted + failures.length !== docs.length) throw error;
    for (const failure of failures) {
      const id = docs[failure.index]!._id;
      if (failure.code === DUPLICATE_KEY) existing.add(id);
      else if (REFUSED_CODES.has(failure.code)) refused.set(id, { reason: failure.reason, code: failure.code });
      else throw error;
    }
    return { existing, refused };
  }
}

/** One insert per document, to tell the one the driver cannot encode from the rest. */
async function insertEach(users: Collection<UserDocument>, docs: UserDocument[]) {
  const existing = new Set<string>();
  const refused: Refused = new Map();
  for (const doc of docs) {
    try {
      await users.insertOne(doc);
    } catch (error) {
      if (isDuplicateKey(error)) existing.add(doc._id);
      else if (isRefusal(error)) refused.set(doc._id, reasonOf(error));
      else throw error;
    }
  }
  return { existing, refused };
}

export interface GuardedReplace {
  userId: string;
  op: AnyBulkWriteOperation<UserDocument>;
}

/**
 * Sends guarded replacements; returns how many matched (the rest lost to a newer stored state) and the users
 * refused for good. After a refusal the rest of the command is sent again without it: FerretDB drops the
 * whole command, MongoDB applies the others, and a replacement that already landed cannot match its guard
 * twice, so the count stays exact.
 */
export async function replaceGuarded(
  users: Collection<UserDocument>,
  replaces: GuardedReplace[],
  chunk: number,
): Promise<{ matched: number; refused: Refused }> {
  const refused: Refused = new Map();
  let matched = 0;
  for (let i = 0; i < replaces.length; i += chunk) {
    matched += await sendUntilSettled(users, replaces.slice(i, i + chunk), refused);
  }
  return { matched, refused };
}

async function sendUntilSettled(
  users: Collection<UserDocument>,
  chunk: GuardedReplace[],
  refused: Refused,
): Promise<number> {
  let matched = 0;
  let pending = chunk;
  while (pending.length > 0) {
    try {
      matched += (
        await users.bulkWrite(
          pending.map((r) => r.op),
          { ordered: false },
        )
      ).matchedCount;
      return matched;
    } catch (error) {
      if (isRefusal(error)) {
        // Refused before it was sent (the driver could not encode one): find it by sending each alone.
        if (pending.length === 1) refused.set(pending[0]!.userId, reasonOf(error));
        else for (const one of pending) matched += await sendUntilSettled(users, [one], refused);
        return matched;
      }
      const failures = writeFailures(error);
      if (failures.length === 0 || failures.some((f) => !REFUSED_CODES.has(f.code))) throw error;
      matched += (error as { result?: { matchedCount?: number } }).result?.matchedCount ?? 0;
      for (const f of failures) refused.set(pending[f.index]!.userId, { reason: f.reason, code: f.code });
      pending = pending.filter((r) => !refused.has(r.userId));
    }
  }
  return matched;
}
