import type { Connection } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import { kindKey, projectKey, userKey } from '../../workflows/messages';

/** temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD (the proto package is CommonJS-only). */
const INDEXED_VALUE_TYPE_KEYWORD = 2;

/**
 * Registers the product's search attributes so the Web UI can filter ("failed event workflows for user X").
 * Returns false when the server refuses (no operator permission): workflows then start without them, since
 * starting a workflow with an unknown search attribute would fail every start.
 */
export async function ensureSearchAttributes(
  connection: Pick<Connection, 'operatorService'>,
  namespace: string,
): Promise<boolean> {
  const wanted = [kindKey.name, projectKey.name, userKey.name];
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = wanted.filter((name) => !(name in (existing.customAttributes ?? {})));
    if (missing.length === 0) return true;
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((name) => [name, INDEXED_VALUE_TYPE_KEYWORD])),
    });
    return true;
  } catch {
    return false;
  }
}

export function searchAttributesFor(
  enabled: boolean,
  kind: string,
  projectId: string,
  userId?: string,
): { typedSearchAttributes?: SearchAttributePair[] } {
  if (!enabled) return {};
  const pairs: SearchAttributePair[] = [
    { key: kindKey, value: kind },
    { key: projectKey, value: projectId },
  ];
  if (userId) pairs.push({ key: userKey, value: userId });
  return { typedSearchAttributes: pairs };
}
