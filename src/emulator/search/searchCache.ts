import type { DescopeUser } from '../types';
import type { SearchQuery } from './searchQuery';

interface Entry {
  version: number;
  users: DescopeUser[];
}

/**
 * The ordered matches of the last few searches, valid until the next write. A client paging through 80,000
 * matches would otherwise make the emulator re-filter and re-sort them for each of 800 pages.
 */
export class SearchCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly size = 8) {}

  get(query: SearchQuery, version: number): DescopeUser[] | undefined {
    const key = cacheKey(query);
    const entry = this.entries.get(key);
    if (!entry || entry.version !== version) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.users;
  }

  set(query: SearchQuery, version: number, users: DescopeUser[]): void {
    this.entries.set(cacheKey(query), { version, users });
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.size) break;
      this.entries.delete(key);
    }
  }
}

/** Everything but the page window. */
function cacheKey({ start: _start, limit: _limit, ...filters }: SearchQuery): string {
  return JSON.stringify(filters, (_key, value: unknown) =>
    value instanceof Set || value instanceof Map ? [...value] : value,
  );
}
