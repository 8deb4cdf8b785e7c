/**
 * Management calls carry `Authorization: Bearer <projectId>:<managementKey>`. The key itself may contain
 * colons, so the whole token is compared rather than split.
 */
export function isAuthorized(header: string | undefined, projectId: string, managementKey: string): boolean {
  if (!header?.startsWith('Bearer ')) return false;
  return header.slice('Bearer '.length).trim() === `${projectId}:${managementKey}`;
}
