import type { BenchOptions, ScenarioName } from './options';
import type { BenchServers } from './servers';

export interface ScenarioContext {
  servers: BenchServers;
  options: BenchOptions;
  log: (line: string) => void;
}

export interface Target {
  figure: string;
  /** e.g. '≥ 0.8' */
  goal: string;
  met: boolean;
}

/** What every scenario reports: headline figures for the README, a table for latest.md, details for the JSON. */
export interface ScenarioResult {
  name: ScenarioName;
  title: string;
  /** Reproduces these figures. */
  command: string;
  figures: Record<string, number>;
  targets: Target[];
  table: { columns: string[]; rows: (string | number)[][] };
  notes: string[];
  details: Record<string, unknown>;
}

export type Scenario = (ctx: ScenarioContext) => Promise<ScenarioResult>;
