import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeDeep, escapeKey, unescapeDeep, unescapeKey } from '../../src/store/escapeKeys';

/** Keys as Descope custom attributes may have them: free text, heavy on MongoDB's and the escape's characters. */
const key = fc.oneof(
  fc.string(),
  fc.string({ unit: fc.constantFrom('$', '.', '~', 'd', 'p', 'a', '_') }),
  fc.constantFrom('__proto__', 'constructor', 'prototype', '$set', '$where', 'a.b', '~', '~d', '~p', '~~', '$', '.'),
);

/** Nested objects and arrays; objects built with Object.fromEntries, which keeps `__proto__` as an own key. */
const { doc } = fc.letrec((tie) => ({
  doc: fc.array(fc.tuple(key, tie('value')), { maxLength: 6 }).map((entries) => Object.fromEntries(entries)),
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null)),
    tie('doc'),
    fc.array(tie('value'), { maxLength: 4 }),
  ),
}));

function allKeys(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(allKeys);
  if (value === null || typeof value !== 'object' || value instanceof Date) return [];
  return Object.entries(value).flatMap(([k, inner]) => [k, ...allKeys(inner)]);
}

describe('escapeKey', () => {
  it('leaves ordinary keys alone', () => {
    for (const plain of ['email', 'plan', 'a$b', '__proto__', '']) expect(escapeKey(plain)).toBe(plain);
  });

  it('escapes a leading $, every dot and the escape character itself', () => {
    expect(escapeKey('$set')).toBe('~dset');
    expect(escapeKey('a.b.c')).toBe('a~pb~pc');
    expect(escapeKey('~d')).toBe('~~d');
    expect(escapeKey('$a.b~')).toBe('~da~pb~~');
  });

  it('maps distinct keys to distinct stored keys, and back', () => {
    fc.assert(
      fc.property(key, key, (a, b) => {
        expect(unescapeKey(escapeKey(a))).toBe(a);
        if (a !== b) expect(escapeKey(a)).not.toBe(escapeKey(b));
      }),
    );
  });
});

describe('escapeDeep and unescapeDeep', () => {
  it('round-trip any document, whatever its keys', () => {
    fc.assert(
      fc.property(doc, (original) => {
        const restored = unescapeDeep(escapeDeep(original).value);
        // Not toStrictEqual: its type check reads `.constructor`, which is just data under a `constructor` key.
        expect(restored).toEqual(original);
        expect(JSON.stringify(restored)).toBe(JSON.stringify(original));
      }),
    );
  });

  it('never store a key that starts with $ or contains a dot', () => {
    fc.assert(
      fc.property(doc, (original) => {
        const stored = allKeys(escapeDeep(original).value);
        expect(stored.filter((k) => k.startsWith('$') || k.includes('.'))).toEqual([]);
      }),
    );
  });

  it('report a change exactly when some key, at any depth, had to be escaped', () => {
    fc.assert(
      fc.property(doc, (original) => {
        const mustEscape = allKeys(original).some((k) => k !== escapeKey(k));
        expect(escapeDeep(original).changed).toBe(mustEscape);
      }),
    );
  });

  it('escape keys inside arrays of objects and keep dates as dates', () => {
    const at = new Date('2026-01-02T03:04:05Z');
    const { value, changed } = escapeDeep({ tags: [{ 'a.b': 1 }, 'x'], seen: at });
    expect(changed).toBe(true);
    expect(value).toEqual({ tags: [{ 'a~pb': 1 }, 'x'], seen: at });
    expect((value as { seen: unknown }).seen).toBeInstanceOf(Date);
  });
});

describe('a __proto__ key from Descope', () => {
  const hostile = (): Record<string, unknown> =>
    JSON.parse('{"__proto__": {"polluted": true}, "nested": {"__proto__": {"polluted": true}, "$x": 1}}');

  it('stays an own data property through escaping and unescaping', () => {
    const escaped = escapeDeep(hostile()).value as Record<string, unknown>;
    const restored = unescapeDeep(escaped) as Record<string, unknown>;
    for (const value of [escaped, restored, escaped.nested, restored.nested] as Record<string, unknown>[]) {
      expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
      expect(Object.hasOwn(value, '__proto__')).toBe(true);
      expect(value.polluted).toBeUndefined();
    }
    expect(Object.getOwnPropertyDescriptor(restored, '__proto__')?.value).toEqual({ polluted: true });
  });

  it('never pollutes Object.prototype', () => {
    unescapeDeep(escapeDeep(hostile()).value);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });
});
