import { formatPath } from './path';

/** Deeper than any audit record Descope sends (about 5 levels); bounds the work an authenticated sender can cause. */
export const MAX_JSON_DEPTH = 32;

/**
 * JSON.parse makes `__proto__` a harmless own property, but code that later copies the object by assignment
 * (schema libraries building their output, merges) sets the copy's PROTOTYPE from it, so `{"__proto__":
 * {"userId":"x"}}` could name a user the event never named. An event holding it anywhere is refused.
 * `constructor` and `prototype` are ordinary names (a custom attribute may be called that): assigning them
 * pollutes nothing.
 */
const FORBIDDEN_KEYS = new Set(['__proto__']);

export type JsonProblem = { code: 'invalid_json' | 'too_deep' | 'forbidden_key'; message: string };

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Parses a request body as UTF-8 JSON. The message gives at most a position: V8's own messages quote the body,
 * which may carry personal data.
 */
export function decodeJson(raw: Uint8Array): { ok: true; value: unknown } | ({ ok: false } & JsonProblem) {
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    return { ok: false, code: 'invalid_json', message: 'body is not valid UTF-8' };
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    const position = error instanceof Error ? /at position (\d+)/.exec(error.message)?.[1] : undefined;
    const where = position === undefined ? '' : ` (at position ${position})`;
    return { ok: false, code: 'invalid_json', message: `body is not valid JSON${where}` };
  }
}

/**
 * Rejects nesting deeper than `maxDepth` and `__proto__` keys anywhere; problems are located under `at`.
 * Iterative, so a hostile 100,000-level document cannot overflow the stack here.
 */
export function inspectJson(
  value: unknown,
  at: readonly PropertyKey[] = [],
  maxDepth = MAX_JSON_DEPTH,
): JsonProblem | undefined {
  const stack: { value: unknown; depth: number; path: PropertyKey[] }[] = [{ value, depth: 0, path: [...at] }];
  for (let item = stack.pop(); item; item = stack.pop()) {
    if (typeof item.value !== 'object' || item.value === null) continue;
    const depth = item.depth + 1;
    if (depth > maxDepth) {
      return { code: 'too_deep', message: `${formatPath(item.path)}: nested deeper than ${maxDepth} levels` };
    }
    const entries: [PropertyKey, unknown][] = Array.isArray(item.value)
      ? item.value.map((v: unknown, i) => [i, v])
      : Object.entries(item.value);
    for (const [key, child] of entries) {
      const path = [...item.path, key];
      if (typeof key === 'string' && FORBIDDEN_KEYS.has(key)) {
        return { code: 'forbidden_key', message: `${formatPath(path)}: forbidden key "${key}"` };
      }
      stack.push({ value: child, depth, path });
    }
  }
  return undefined;
}
