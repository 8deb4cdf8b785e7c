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
