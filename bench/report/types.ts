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
  'MongoDB here is FerretDB v1 on SQLite, which uses no index for updates or finds other than by _id alone: every update of a stored user scans the whole users collection. Inserts are cheap, so backfills measure well; scenarios that update stored users (reconcile, modified-user events) are bound by those scans. Run with MONGODB_URI pointing at a real MongoDB to remove this.';
