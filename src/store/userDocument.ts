import { createHash } from 'node:crypto';
import { escapeDeep, unescapeDeep } from './escapeKeys';
import { META, type DescopeUser, type SyncMeta, type UserDocument, type WriteSource } from './types';

/** Builds the stored document: Descope's fields unchanged at the top level, the product's metadata in `_sync`. */
export function toUserDocument(
  user: DescopeUser,
  observedAt: number,
  source: WriteSource,
  writtenAt: Date,
): UserDocument {
  const { value, changed } = escapeDeep(user);
  const fields = value as Record<string, unknown>;
  const meta: SyncMeta = {
    observedAt,
    modifiedTime: typeof user.modifiedTime === 'number' ? user.modifiedTime : null,
    deleted: false,
    deletedAt: null,
    source,
    hash: contentHash(user),
    writtenAt,
  };
  if (changed) meta.escaped = true;
  return { ...fields, _id: user.userId, userId: user.userId, [META]: meta };
}

/** The Descope user a stored document holds, exactly as Descope returned it. */
export function fromUserDocument(doc: UserDocument): DescopeUser {
  const { _id, [META]: meta, ...fields } = doc;
  void _id;
  return (meta.escaped ? unescapeDeep(fields) : fields) as DescopeUser;
}

export function contentHash(user: DescopeUser): string {
  return createHash('sha256').update(canonicalJson(user)).digest('base64url').slice(0, 22);
}

/** JSON with object keys sorted, so equal content hashes equally whatever order Descope sent fields in. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  const record = value as Record<string, unknown>;
  let out = '';
  for (const key of Object.keys(record).sort()) {
    const inner = record[key];
    if (inner === undefined) continue;
    out += `${out ? ',' : ''}${JSON.stringify(key)}:${canonicalJson(inner)}`;
  }
  return `{${out}}`;
}
