import type { ActivityDeps } from './deps';

/** Mirrors workflow progress into MongoDB's `sync_state`, so it is visible without Temporal. */
export function stateActivities({ store }: ActivityDeps) {
  return {
    async saveSyncState(id: string, fields: Record<string, unknown>): Promise<void> {
      await store.setState(id, fields);
    },
    /** Raises a numeric field (the reconciliation watermark) atomically: concurrent runs never move it back. */
    async raiseSyncState(id: string, field: string, value: number): Promise<void> {
      await store.raiseState(id, field, value);
    },
    async loadSyncState(id: string): Promise<Record<string, unknown> | null> {
      const doc = await store.getState<Record<string, unknown>>(id);
      if (!doc) return null;
      const { _id, updatedAt, ...fields } = doc;
      void _id;
      void updatedAt;
      return fields;
    },
  };
}
