import { ApplicationFailure } from '@temporalio/workflow';

/** Accepts epoch ms or an ISO date, as an operator would type either into the Web UI's input form. */
export function parseTime(value: number | string, field: string): number {
  const ms = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms) || ms < 0) {
    throw ApplicationFailure.nonRetryable(
      `${field}: expected epoch milliseconds or an ISO date, got ${JSON.stringify(value)}`,
      'InvalidInput',
    );
  }
  return ms;
}
