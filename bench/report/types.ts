import type { MachineFacts } from '../machine';
import type { BenchOptions } from '../options';
import type { ScenarioResult } from '../scenario';

/** Everything one bench run wrote to latest.json. */
export interface BenchReport {
  generatedAt: string;
  /** The command line of this run. */
  command: string;
  machine: MachineFacts & { loadavgEnd: number[] };
  mongo: { kind: 'ferretdb' | 'mongodb'; caveat: string | null };
  options: BenchOptions;
  durationSeconds: number;
  scenarios: Partial<Record<ScenarioResult['name'], ScenarioResult>>;
}

export const FERRETDB_CAVEAT =
  'MongoDB here is FerretDB v1 on SQLite, which pushes only a filter that is exactly { _id } down to SQLite (and even that scans the table) and decodes every stored document for any other filter. Inserts are cheap, so backfills measure well; scenarios that update stored users (reconcile, modified-user events) pay a scan per changed user (src/store/serverLimits.ts). Run with MONGODB_URI pointing at a real MongoDB to remove this.';
