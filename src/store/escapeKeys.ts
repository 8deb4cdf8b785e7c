/**
 * MongoDB reserves field names that start with `$` or contain `.` (update operators and dotted paths read
 * them as syntax). Descope custom attribute keys are free text, so the store escapes those characters as
 * `~d` and `~p` and unescapes on read; `~~` escapes the escape so the mapping is reversible.
 */
const ESCAPES: [string, string][] = [
  ['~', '~~'],
  ['$', '~d'],
  ['.', '~p'],
];

export function needsEscape(key: string): boolean {
  return key.startsWith('$') || key.includes('.') || key.includes('~');
}

export function escapeKey(key: string): string {
  if (!needsEscape(key)) return key;
  return [...key].map((ch) => ESCAPES.find(([raw]) => raw === ch)?.[1] ?? ch).join('');
}

export function unescapeKey(key: string): string {
  if (!key.includes('~')) return key;
  return key.replace(/~([~dp])/g, (_, code: string) => ({ '~': '~', d: '$', p: '.' })[code] ?? code);
}

/**
 * Escapes every object key, recursively. Returns whether anything changed. Almost no user has a key to
 * escape, so a read-only pass looks first and such a value comes back as it is, without a copy.
 */
export function escapeDeep(value: unknown): { value: unknown; changed: boolean } {
  if (!someKey(value, needsEscape)) return { value, changed: false };
  return mapKeys(value, escapeKey);
}

function someKey(value: unknown, test: (key: string) => boolean): boolean {
  if (Array.isArray(value)) return value.some((item) => someKey(item, test));
  if (value === null || typeof value !== 'object' || value instanceof Date) return false;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (test(key) || someKey((value as Record<string, unknown>)[key], test)) return true;
  }
  return false;
}

export function unescapeDeep(value: unknown): unknown {
  return mapKeys(value, unescapeKey).value;
}

function mapKeys(value: unknown, map: (key: string) => string): { value: unknown; changed: boolean } {
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((item) => {
      const r = mapKeys(item, map);
      changed ||= r.changed;
      return r.value;
    });
    return { value: out, changed };
  }
  if (value === null || typeof value !== 'object' || value instanceof Date) return { value, changed: false };
  let changed = false;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    const mapped = map(key);
    const r = mapKeys(inner, map);
    changed ||= r.changed || mapped !== key;
    // defineProperty keeps a `__proto__` key from Descope as data instead of setting the prototype.
    Object.defineProperty(out, mapped, { value: r.value, enumerable: true, writable: true, configurable: true });
  }
  return { value: out, changed };
}
