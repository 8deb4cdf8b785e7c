import { compareIds } from '../store/order';
import type { DescopeUser } from '../types';
import type { SearchQuery, SortField } from './searchQuery';

const sortValue: Record<SortField, (user: DescopeUser) => string | number> = {
  id: (user) => user.userId,
  createdTime: (user) => user.createdTime,
  modifiedTime: (user) => user.modifiedTime,
  externalId: (user) => user.loginIds[0] ?? '',
  displayName: (user) => user.name,
  tenant: (user) => user.userTenants[0]?.tenantId ?? '',
  phoneNumber: (user) => user.phone,
  email: (user) => user.email,
  status: (user) => user.status,
};

/**
 * The requested order, then userId so that equal keys never swap between requests. Without a sort, Descope's
 * order is undocumented; the emulator uses (createdTime, userId). The userId tie-break runs in the direction
 * of the first sort key, which lets a descending time sort walk its index backwards.
 */
export function searchComparator(sort: SearchQuery['sort']): (a: DescopeUser, b: DescopeUser) => number {
  const keys = sort.length > 0 ? sort : [{ field: 'createdTime' as const, desc: false }];
  const tieDirection = keys[0]?.desc ? -1 : 1;
  return (a, b) => {
    for (const { field, desc } of keys) {
      const left = sortValue[field](a);
      const right = sortValue[field](b);
      const order =
        typeof left === 'number' && typeof right === 'number' ? left - right : compareIds(`${left}`, `${right}`);
      if (order !== 0) return desc ? -order : order;
    }
    return tieDirection * compareIds(a.userId, b.userId);
  };
}

export interface IndexOrder {
  index: 'created' | 'modified';
  desc: boolean;
}

/** Which time index already yields the requested order, if any, and in which direction. */
export function indexOrder(sort: SearchQuery['sort']): IndexOrder | undefined {
  if (sort.length === 0) return { index: 'created', desc: false };
  const [first, second] = sort;
  if (!first || sort.length > 2) return undefined;
  // The indexes break ties by user id in the first key's direction: an explicit such tie-break is their order too.
  if (second && (second.field !== 'id' || second.desc !== first.desc)) return undefined;
  if (first.field === 'createdTime') return { index: 'created', desc: first.desc };
  if (first.field === 'modifiedTime') return { index: 'modified', desc: first.desc };
  return undefined;
}
