import type { ActivityDeps } from './deps';

/** Mirrors workflow progress into MongoDB's `sync_state`, so it is visible without Temporal. */
export function stateActivities({ store }: ActivityDeps) {
  return {
    async saveSyncState(id: string, fields: Record<string, unknown>): Promise<void> {
      await store.setState(id, fields);
    },
    /** Sets the reconciliation watermark unless one exists: an older backfill never moves it back. */
    async initWatermark(id: string, watermarkMs: number): Promise<void> {
      const doc = await store.getState<{ watermarkMs?: number }>(id);
      if (typeof doc?.watermarkMs !== 'number') await store.setState(id, { watermarkMs });
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
