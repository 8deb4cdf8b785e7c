import { randomUUID } from 'node:crypto';
import { WORKFLOW_TYPES, workflowIds } from '../../workflows/messages';
import type { backfillUsers } from '../../workflows/backfillUsers';
import { reproduce } from '../options';
import { startRig, UNLIMITED_RPM } from '../rig';
import { elapsed, round } from '../stats';
import type { ScenarioContext, ScenarioResult } from '../scenario';
import { spawnWorker, type WorkerProcess } from '../workerProcess';

const FLAT = 1.25;
const MiB = (kib: number) => round(kib / 1024, 1);

interface MemoryMeasure {
  users: number;
  /** After start-up (bundling the workflows included), before the backfill. */
  readyRssMiB: number;
  /** Highest RSS sampled while the backfill ran. */
  backfillPeakRssMiB: number;
  /** The process's lifetime peak: GNU time's maximum RSS, else /proc's VmHWM. */
  lifetimePeakRssMiB: number;
  seconds: number;
}

/** Scenario 5: the worker process's peak RSS over backfills of different sizes; flat means it streams. */
export async function memoryScenario(ctx: ScenarioContext): Promise<ScenarioResult> {
  const measures: MemoryMeasure[] = [];
  for (const users of ctx.options.memoryUsers) {
    measures.push(await measureSize(ctx, users));
    const m = measures.at(-1)!;
    ctx.log(
      `  ${users} users: peak ${m.backfillPeakRssMiB} MiB during the backfill, ${m.lifetimePeakRssMiB} MiB lifetime`,
    );
  }
  const peaks = measures.map((m) => m.backfillPeakRssMiB);
  const growth = peaks.at(-1)! / peaks[0]!;
  const figures: Record<string, number> = { backfillPeakGrowth: round(growth, 2) };
  for (const m of measures) {
    figures[`backfillPeakRssMiB_${m.users}`] = m.backfillPeakRssMiB;
    figures[`lifetimePeakRssMiB_${m.users}`] = m.lifetimePeakRssMiB;
  }
  return {
    name: 'memory',
    title: `Worker process memory over backfills of ${ctx.options.memoryUsers.join(' and ')} users`,
    command: reproduce('memory', ctx.options),
    figures,
    targets: [{ figure: 'backfillPeakGrowth', goal: `≤ ${FLAT} (flat)`, met: growth <= FLAT }],
    table: {
      columns: ['users', 'RSS when ready MiB', 'peak RSS during backfill MiB', 'lifetime peak MiB', 'backfill s'],
      rows: measures.map((m) => [m.users, m.readyRssMiB, m.backfillPeakRssMiB, m.lifetimePeakRssMiB, m.seconds]),
    },
    notes: [
      '`node bin/descope-sync.js worker` as its own process (under /usr/bin/time -v when present), RSS sampled from /proc every 100 ms.',
      'The lifetime peak includes start-up, where the worker bundles the workflow code; the backfill peak is the figure that would grow if users were held in memory.',
    ],
    details: { measures },
  };
}

async function measureSize(ctx: ScenarioContext, users: number): Promise<MemoryMeasure> {
  const rig = await startRig(ctx.servers, { seed: 5, userCount: users, testUserCount: 0 });
  let worker: WorkerProcess | undefined;
  try {
    const run = await rig.openRun({ worker: false });
    worker = await spawnWorker({
      DESCOPE_PROJECT_ID: rig.projectId,
      DESCOPE_MANAGEMENT_KEY: rig.emulator.managementKey,
      DESCOPE_BASE_URL: rig.emulator.url,
      MONGODB_URI: ctx.servers.mongoUri,
      MONGODB_DB: run.store.db.databaseName,
      TEMPORAL_ADDRESS: ctx.servers.temporalAddress,
      TEMPORAL_TASK_QUEUE: run.taskQueue,
      SCHEDULES_APPLY_ON_START: 'false',
      METRICS_PORT: '0',
      DESCOPE_SEARCH_RPM: String(UNLIMITED_RPM),
      DESCOPE_LOAD_RPM: String(UNLIMITED_RPM),
    });
    await worker.ready;
    const readyRss = worker.memory()?.rssKiB ?? 0;
    let peak = readyRss;
    const sampler = setInterval(() => (peak = Math.max(peak, worker!.memory()?.rssKiB ?? 0)), 100);
    const t0 = performance.now();
    try {
      const result = await rig.client.workflow.execute<typeof backfillUsers>(WORKFLOW_TYPES.backfill, {
        taskQueue: run.taskQueue,
        workflowId: `${workflowIds.backfill(rig.projectId)}-${randomUUID().slice(0, 8)}`,
        args: [{}],
      });
      if (result.totals.inserted !== users) throw new Error(`the backfill wrote ${result.totals.inserted} of ${users}`);
    } finally {
      clearInterval(sampler);
    }
    const seconds = round(elapsed(t0) / 1000, 2);
    const hwm = worker.memory()?.hwmKiB ?? 0;
    const { maxRssKiB } = await worker.stop();
    worker = undefined;
    await run.close();
    return {
      users,
      readyRssMiB: MiB(readyRss),
      backfillPeakRssMiB: MiB(peak),
      lifetimePeakRssMiB: MiB(maxRssKiB ?? hwm),
      seconds,
    };
  } finally {
    await worker?.stop();
    await rig.close();
  }
}
