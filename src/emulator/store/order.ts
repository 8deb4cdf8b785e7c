import type { DescopeUser } from '../types';

/** Code-unit order, not locale order: the tie-break must be the same on every machine. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareByCreated(a: DescopeUser, b: DescopeUser): number {
  return a.createdTime - b.createdTime || compareIds(a.userId, b.userId);
}

export function compareByModified(a: DescopeUser, b: DescopeUser): number {
  return a.modifiedTime - b.modifiedTime || compareIds(a.userId, b.userId);
}
