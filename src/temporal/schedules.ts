import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleOptions,
} from '@temporalio/client';
import { WORKFLOW_TYPES, workflowIds, type ReconcileInput } from '../../workflows/messages';
import { searchAttributesFor } from './searchAttributes';

export interface ScheduleSettings {
  projectId: string;
  taskQueue: string;
  intervalMs: number;
  fullSweepIntervalMs: number;
  overlapMs: number;
  maxDeleteFraction: number;
  /** SWEEP_MIN_DELETE (the sweep's default when absent). */
  minDelete?: number;
  /** INCLUDE_TEST_USERS: scans read test users and the sweep deletes stored ones. */
  includeTestUsers?: boolean;
  searchAttributes: boolean;
}

export function scheduleIds(projectId: string) {
  return { incremental: workflowIds.reconcileSchedule(projectId), sweep: workflowIds.sweepSchedule(projectId) };
}

/**
 * The reconciliation and sweep schedules, as product: applying them is idempotent (create, or update in
 * place), so redeploys and several workers starting at once never duplicate them. A run that would overlap
 * a running one is skipped, not stacked; a missed run is covered by the next, within the catch-up window.
 */
export async function applySchedules(
  client: Client,
  s: ScheduleSettings,
): Promise<{ created: string[]; updated: string[] }> {
  const ids = scheduleIds(s.projectId);
  const testUsers = s.includeTestUsers ? { includeTestUsers: true } : {};
  const minDelete = s.minDelete === undefined ? {} : { minDelete: s.minDelete };
  const wanted: [string, number, ReconcileInput, string][] = [
    [ids.incremental, s.intervalMs, { mode: 'incremental', overlapMs: s.overlapMs, ...testUsers }, 'reconcile'],
    [
      ids.sweep,
      s.fullSweepIntervalMs,
      { mode: 'full', maxDeleteFraction: s.maxDeleteFraction, ...minDelete, ...testUsers },
      'sweep',
    ],
  ];
  const created: string[] = [];
  const updated: string[] = [];
  for (const [scheduleId, everyMs, input, kind] of wanted) {
    const options = {
      scheduleId,
      spec: { intervals: [{ every: everyMs }] },
      action: {
        type: 'startWorkflow' as const,
        workflowType: WORKFLOW_TYPES.reconcile,
        taskQueue: s.taskQueue,
        workflowId: scheduleId,
        args: [input],
        ...searchAttributesFor(s.searchAttributes, kind, s.projectId),
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: Math.max(everyMs, 60_000) },
    } satisfies ScheduleOptions;
    try {
      await client.schedule.create(options);
      created.push(scheduleId);
    } catch (error) {
      if (!(error instanceof ScheduleAlreadyRunning)) throw error;
      await client.schedule.getHandle(scheduleId).update((previous) => ({
        ...previous,
        spec: options.spec,
        action: options.action,
        policies: { ...previous.policies, ...options.policies },
      }));
      updated.push(scheduleId);
    }
  }
  return { created, updated };
}

export async function describeSchedules(client: Client, projectId: string) {
  const ids = scheduleIds(projectId);
  const out: Record<string, unknown> = {};
  for (const [name, id] of Object.entries(ids)) {
    try {
      const d = await client.schedule.getHandle(id).describe();
      out[name] = {
        id,
        paused: d.state.paused,
        note: d.state.note,
        nextActionTimes: d.info.nextActionTimes.slice(0, 1).map((t) => t.toISOString()),
        recentActions: d.info.recentActions
          .slice(-3)
          .map((a) => ({ at: a.takenAt.toISOString(), workflowId: a.action.workflow.workflowId })),
        runningActions: d.info.runningActions.length,
      };
    } catch (error) {
      if (error instanceof ScheduleNotFoundError) out[name] = { id, missing: true };
      else throw error;
    }
  }
  return out;
}
