import type { ScanProgress } from '../../workflows/messages';

/** One progress line: a bar on a terminal, a plain line otherwise (logs, CI). */
export function renderProgress(p: ScanProgress, tty: boolean): string {
  const total = p.estimatedTotal ?? 0;
  const ratio = total > 0 ? Math.min(p.totals.seen / total, 1) : p.state === 'completed' ? 1 : 0;
  const eta = p.etaSeconds === null ? '?' : `${p.etaSeconds}s`;
  const text = `${p.state} ${p.totals.seen}/${total || '?'} users, ${p.pages} pages, ${p.usersPerSecond} users/s, ETA ${eta}`;
  if (!tty) return text;
  const width = 30;
  const filled = Math.round(ratio * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${Math.round(ratio * 100)}% ${text}`;
}

export function writeProgress(line: string): void {
  if (process.stdout.isTTY) process.stdout.write(`\r\x1b[2K${line}`);
  else console.log(line);
}

/**
 * A workflow's result, or undefined once `signal` aborts (Ctrl-C): the command stops waiting at once, saying
 * that the workflow itself goes on and how to follow it.
 */
export async function resultUnlessStopped<T>(
  result: Promise<T>,
  signal: AbortSignal,
  workflowId: string,
  follow: string,
): Promise<T | undefined> {
  if (signal.aborted) return undefined;
  let onAbort!: () => void;
  const stopped = new Promise<undefined>((resolve) => {
    onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const value = await Promise.race([result, stopped]);
    if (signal.aborted) console.error(`Stopped waiting; ${workflowId} keeps running (follow it: ${follow}).`);
    return value;
  } finally {
    signal.removeEventListener('abort', onAbort);
    result.catch(() => {}); // abandoned on Ctrl-C: its failure no longer concerns this command
  }
}
