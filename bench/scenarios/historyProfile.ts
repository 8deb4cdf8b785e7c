import type { Client, WorkflowHandle } from '@temporalio/client';

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;
type HistoryEvent = NonNullable<History['events']>[number];

export interface StageProfile {
  /** Summed over every run of the workflow (continue-as-new included), in ms. */
  activityExecutionMs: Record<string, number>;
  activityQueueMs: Record<string, number>;
  activityCount: Record<string, number>;
  workflowTaskExecutionMs: number;
  workflowTaskQueueMs: number;
  workflowTasks: number;
  runs: number;
  wallMs: number;
}

/**
 * Where a workflow's time went, read from its history: activities by type (queue wait and execution) and
 * workflow tasks. The remainder of the wall time is the Temporal round trips between them.
 */
export async function profileWorkflow(client: Client, workflowId: string, firstRunId: string): Promise<StageProfile> {
  const profile: StageProfile = {
    activityExecutionMs: {},
    activityQueueMs: {},
    activityCount: {},
    workflowTaskExecutionMs: 0,
    workflowTaskQueueMs: 0,
    workflowTasks: 0,
    runs: 0,
    wallMs: 0,
  };
  let runId: string | undefined = firstRunId;
  let firstMs: number | undefined;
  let lastMs = 0;
  while (runId) {
    const history: History = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events: HistoryEvent[] = history.events ?? [];
    profile.runs += 1;
    firstMs ??= timeOf(events[0]);
    lastMs = timeOf(events[events.length - 1]);
    addRun(profile, events);
    runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  profile.wallMs = lastMs - (firstMs ?? lastMs);
  return profile;
}

function addRun(profile: StageProfile, events: HistoryEvent[]): void {
  const byId = new Map(events.map((e) => [Number(e.eventId), e]));
  const add = (record: Record<string, number>, key: string, ms: number) => (record[key] = (record[key] ?? 0) + ms);
  for (const event of events) {
    const done = event.activityTaskCompletedEventAttributes;
    if (done) {
      const scheduled = byId.get(Number(done.scheduledEventId));
      const started = byId.get(Number(done.startedEventId));
      const type = scheduled?.activityTaskScheduledEventAttributes?.activityType?.name ?? 'unknown';
      add(profile.activityQueueMs, type, timeOf(started) - timeOf(scheduled));
      add(profile.activityExecutionMs, type, timeOf(event) - timeOf(started));
      add(profile.activityCount, type, 1);
    }
    const wft = event.workflowTaskCompletedEventAttributes;
    if (wft) {
      const scheduled = byId.get(Number(wft.scheduledEventId));
      const started = byId.get(Number(wft.startedEventId));
      profile.workflowTaskQueueMs += timeOf(started) - timeOf(scheduled);
      profile.workflowTaskExecutionMs += timeOf(event) - timeOf(started);
      profile.workflowTasks += 1;
    }
  }
}

function timeOf(event: HistoryEvent | undefined): number {
  const t = event?.eventTime;
  if (!t) return 0;
  return Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
}
