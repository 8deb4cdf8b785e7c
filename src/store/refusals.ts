import { BSON, MongoBulkWriteError, MongoServerError } from 'mongodb';

/** A user the MongoDB server (or the driver, for the server's limits) will not store, and why. */
export interface Refusal {
  userId: string;
  observedAt: number;
  reason: string;
  code: number | null;
}

/** MongoDB's largest document (maxBsonObjectSize). The driver fails the whole batch on a larger one. */
export const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;

/**
 * Server error codes that say "this document can never be stored as it is": retrying the same value fails
 * the same way, so the user is recorded as refused instead of stalling its page. Everything else (network,
 * server selection, not primary, interrupted, write conflicts) may succeed on retry and is rethrown.
 * - 2 BadValue: a value the server cannot hold (FerretDB v1: nested arrays; MongoDB: invalid values).
 * - 52/55/56/57 DollarPrefixedFieldName, InvalidDBRef, EmptyFieldName, DottedFieldName: a field name it refuses.
 * - 121 DocumentValidationFailure: the collection's validator rejects the document.
 * - 10334 BSONObjectTooLarge, 17419/17420: the document (or the result of the update) exceeds 16 MiB.
 */
export const REFUSED_CODES = new Set([2, 52, 55, 56, 57, 121, 10334, 17419, 17420]);

/** The reason a document is refused before it is sent, or undefined when it fits. */
export function tooLarge(doc: object): string | undefined {
  const bytes = BSON.calculateObjectSize(doc);
  if (bytes <= MAX_DOCUMENT_BYTES) return undefined;
  return `document of ${bytes} bytes exceeds MongoDB's 16 MiB limit`;
}

/** A per-write error of a bulk reply: refused (its reason), a duplicate key, or neither. */
export interface WriteFailure {
  index: number;
  code: number;
  reason: string;
}

/** The write errors of a bulk error; rethrows anything that is not a per-document reply of the server. */
export function writeFailures(error: unknown): WriteFailure[] {
  if (!(error instanceof MongoBulkWriteError)) throw error;
  const writeErrors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
  return writeErrors.map((e) => ({ index: e.index, code: e.code, reason: e.errmsg ?? `code ${e.code}` }));
}

/**
 * True for an error that fails the same way on every retry of the same documents: a refused code from the
 * server, or the driver refusing to serialise (a key with a NUL byte, a value BSON cannot encode).
 */
export function isRefusal(error: unknown): boolean {
  if (error instanceof BSON.BSONError) return true;
  if (error instanceof MongoServerError && !(error instanceof MongoBulkWriteError)) {
    return typeof error.code === 'number' && REFUSED_CODES.has(error.code);
  }
  return false;
}

export function reasonOf(error: unknown): { reason: string; code: number | null } {
  const code = (error as { code?: unknown }).code;
  return {
    reason: error instanceof Error ? error.message : String(error),
    code: typeof code === 'number' ? code : null,
  };
}
