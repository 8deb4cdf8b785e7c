import { randomUUID } from 'node:crypto';
import { WORKFLOW_TYPES, workflowIds, type ScanResult } from '../../workflows/messages';
import type { backfillUsers } from '../../workflows/backfillUsers';
import { elapsed, perSecond } from '../stats';
import type { Rig, Run } from '../rig';
import { profileWorkflow, type StageProfile } from './historyProfile';

export interface BackfillMeasure {
  users: number;
  ms: number;
  usersPerSecond: number;
  requests: number;
  /** Users written in each second of the run. */
  timeline: number[];
}

export interface ProductMeasure extends BackfillMeasure {
  result: ScanResult;
  profile: StageProfile;
  startMs: number;
}

/** The product's backfill, end to end: from starting the workflow to its result. */
export async function productBackfill(rig: Rig, run: Run, input: { lanes?: number } = {}): Promise<ProductMeasure> {
  const workflowId = `${workflowIds.backfill(rig.projectId)}-${randomUUID().slice(0, 8)}`;
  const searchesBefore = rig.emulator.counters.total('search');
  const startMs = Date.now();
  const t0 = performance.now();
  const handle = await rig.client.workflow.start<typeof backfillUsers>(WORKFLOW_TYPES.backfill, {
    taskQueue: run.taskQueue,
    workflowId,
    args: [input],
  });
  const result = await handle.result();
  const ms = elapsed(t0);
  const docs = await run.store.users.find({}, { projection: { '_sync.writtenAt': 1 } }).toArray();
  const timeline = perSecond(
    docs.map((d) => ({ atMs: d._sync.writtenAt.getTime(), amount: 1 })),
    startMs,
    startMs + ms,
  );
  const users = result.totals.inserted;
  return {
    users,
    ms,
    usersPerSecond: users / (ms / 1000),
    requests: rig.emulator.counters.total('search') - searchesBefore,
    timeline,
    result,
    profile: await profileWorkflow(rig.client, workflowId, handle.firstExecutionRunId),
    startMs,
  };
}
