import { randomUUID } from 'node:crypto';
import { WORKFLOW_TYPES, workflowIds } from '../../workflows/messages';
import type { backfillUsers } from '../../workflows/backfillUsers';
import { reproduce } from '../options';
import { startRig, UNLIMITED_RPM } from '../rig';
import { elapsed, round } from '../stats';
import type { ScenarioContext, ScenarioResult } from '../scenario';
import { spawnWorker, type WorkerProcess } from '../workerProcess';

const FLAT = 1.25;
/** The old-generation cap of the second measurement of each size (--max-old-space-size, MiB). */
const HEAP_CAP_MIB = 256;
const MiB = (kib: number) => round(kib / 1024, 1);

interface MemoryMeasure {
  users: number;
  heap: 'default' | 'capped';
  /** After start-up (bundling the workflows included), before the backfill. */
  readyRssMiB: number;
  /** Highest RSS sampled while the backfill ran. */
  backfillPeakRssMiB: number;
  /** The process's lifetime peak: GNU time's maximum RSS, else /proc's VmHWM. */
  lifetimePeakRssMiB: number;
  seconds: number;
}

/**
 * Scenario 5: the worker process's peak RSS over backfills of different sizes; flat means it streams.
 *
 * Each size runs twice: as deployed (Node's default heap limit) and with the old generation capped at
 * HEAP_CAP_MIB. With memory to spare V8 grows its heap instead of collecting, so the first peak follows how
 * long the run allocates, garbage included; under the cap only what the worker keeps counts, and a worker
 * that held users in memory would fail the larger backfill or need more than the cap. The target is on the
 * capped runs; the default-heap growth is reported beside it.
 */
export async function memoryScenario(ctx: ScenarioContext): Promise<ScenarioResult> {
  const measures: MemoryMeasure[] = [];
  for (const heap of ['default', 'capped'] as const) {
    for (const users of ctx.options.memoryUsers) {
      measures.push(await measureSize(ctx, users, heap));
      const m = measures.at(-1)!;
      ctx.log(
        `  ${users} users, ${heap} heap: peak ${m.backfillPeakRssMiB} MiB during the backfill, ${m.lifetimePeakRssMiB} MiB lifetime`,
      );
    }
  }
  const growthOf = (heap: MemoryMeasure['heap']) => {
    const peaks = measures.filter((m) => m.heap === heap).map((m) => m.backfillPeakRssMiB);
    return peaks.at(-1)! / peaks[0]!;
  };
  const growth = growthOf('capped');
  const figures: Record<string, number> = {
    backfillPeakGrowth: round(growth, 2),
    backfillPeakGrowthDefaultHeap: round(growthOf('default'), 2),
  };
  for (const m of measures) {
    const suffix = m.heap === 'capped' ? `_capped_${m.users}` : `_${m.users}`;
    figures[`backfillPeakRssMiB${suffix}`] = m.backfillPeakRssMiB;
    figures[`lifetimePeakRssMiB${suffix}`] = m.lifetimePeakRssMiB;
  }
  return {
    name: 'memory',
    title: `Worker process memory over backfills of ${ctx.options.memoryUsers.join(' and ')} users`,
    command: reproduce('memory', ctx.options),
    figures,
    targets: [
      {
        figure: 'backfillPeakGrowth',
        goal: `≤ ${FLAT} (flat; heap capped at ${HEAP_CAP_MIB} MiB, every backfill complete)`,
        met: growth <= FLAT,
      },
    ],
    table: {
      columns: [
        'users',
        'heap',
        'RSS when ready MiB',
        'peak RSS during backfill MiB',
        'lifetime peak MiB',
        'backfill s',
      ],
      rows: measures.map((m) => [
        m.users,
        m.heap === 'capped' ? `old space ≤ ${HEAP_CAP_MIB} MiB` : 'Node default',
        m.readyRssMiB,
        m.backfillPeakRssMiB,
        m.lifetimePeakRssMiB,
        m.seconds,
      ]),
    },
    notes: [
      '`node bin/descope-sync.js worker` as its own process (under /usr/bin/time -v when present), RSS sampled from /proc every 100 ms.',
      'The lifetime peak includes start-up, where the worker bundles the workflow code; the backfill peak is the figure that would grow if users were held in memory.',
      `Each size runs with Node's default heap limit (as deployed) and with \`--max-old-space-size=${HEAP_CAP_MIB}\`. With memory to spare V8 grows its heap rather than collect, so the default-heap peak follows how long the run allocates (backfillPeakGrowthDefaultHeap); the capped runs show what the worker keeps. A worker that held users would not finish the larger backfill under the cap. In a container, set NODE_OPTIONS=--max-old-space-size to bound the worker.`,
    ],
    details: { measures, heapCapMiB: HEAP_CAP_MIB },
  };
}

async function measureSize(ctx: ScenarioContext, users: number, heap: MemoryMeasure['heap']): Promise<MemoryMeasure> {
  const rig = await startRig(ctx.servers, { seed: 5, userCount: users, testUserCount: 0 });
  let worker: WorkerProcess | undefined;
  try {
    const run = await rig.openRun({ worker: false });
    worker = await spawnWorker(
      {
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
      },
      heap === 'capped' ? [`--max-old-space-size=${HEAP_CAP_MIB}`] : [],
    );
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
      heap,
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
