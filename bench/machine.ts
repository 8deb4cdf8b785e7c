import { cpus, freemem, loadavg, totalmem, release, platform } from 'node:os';

export interface MachineFacts {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  freeMemoryGiB: number;
  node: string;
  os: string;
  loadavg: number[];
}

/** What the figures depend on; `loadavg` is taken at the start and again at the end of the run. */
export function machineFacts(): MachineFacts {
  const gib = (bytes: number) => Math.round((bytes / 2 ** 30) * 10) / 10;
  return {
    cores: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: gib(totalmem()),
    freeMemoryGiB: gib(freemem()),
    node: process.version,
    os: `${platform()} ${release()}`,
    loadavg: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}
