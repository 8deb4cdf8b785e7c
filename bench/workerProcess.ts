import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from './stats';

const bin = join(import.meta.dirname, '../bin/descope-sync.js');
const GNU_TIME = '/usr/bin/time';

export interface WorkerProcess {
  pid: number;
  /** Resolves once the worker logs that it is polling. */
  ready: Promise<void>;
  /** Resident set size now and the high-water mark so far, in KiB, from /proc. */
  memory(): { rssKiB: number; hwmKiB: number } | undefined;
  /** SIGTERM (a graceful shutdown); resolves with GNU time's maximum RSS in KiB when it ran under it. */
  stop(): Promise<{ maxRssKiB: number | undefined }>;
}

/** The product's `worker` command as its own process, under `/usr/bin/time -v` when the machine has it. */
export function spawnWorker(env: Record<string, string>, nodeArgs: string[] = []): Promise<WorkerProcess> {
  return spawnProduct('worker', env, 'worker running', nodeArgs);
}

/** A product command (`worker`, `webhook`) as its own process; ready once its stdout shows `readyText`. */
export async function spawnProduct(
  command: 'worker' | 'webhook',
  env: Record<string, string>,
  readyText: string,
  extraNodeArgs: string[] = [],
): Promise<WorkerProcess> {
  const timed = existsSync(GNU_TIME);
  // BENCH_CPU_PROF=<dir>: each product process writes a V8 CPU profile there when it exits.
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  // BENCH_NODE_ARGS: extra Node flags for the product processes (a heap cap, say: --max-old-space-size=256).
  const nodeArgs = [...(process.env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean), ...extraNodeArgs];
  const args = [process.execPath, ...nodeArgs, ...profile, bin, command];
  const child = spawn(timed ? GNU_TIME : args[0]!, timed ? ['-v', ...args] : args.slice(1), {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-20_000)));
  // PRODUCT_LOG_DIR=<dir>: each product process's output also goes to <dir>/<command>-<pid>.log, to read after a run.
  const logDir = process.env.PRODUCT_LOG_DIR;
  if (logDir) {
    mkdirSync(logDir, { recursive: true });
    const log = createWriteStream(join(logDir, `${command}-${child.pid}.log`), { flags: 'a' });
    child.stdout!.on('data', (chunk: Buffer) => log.write(chunk));
    child.stderr!.on('data', (chunk: Buffer) => log.write(chunk));
    child.once('exit', (code, sig) => log.end(`\n[exited: code ${code}, signal ${sig}]\n`));
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out = (out + chunk.toString()).slice(-10_000);
      if (out.includes(readyText)) resolve();
    });
    void exited.then(() => reject(new Error(`the ${command} exited before it was ready: ${stderr.slice(-2000)}`)));
  });
  const pid = timed ? await childOf(child) : child.pid!;
  return {
    pid,
    ready,
    memory: () => readMemory(pid),
    async stop() {
      process.kill(pid, 'SIGTERM');
      await exited;
      const match = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
      return { maxRssKiB: match ? Number(match[1]) : undefined };
    },
  };
}

/** The node process GNU time started (time itself does not forward SIGTERM). */
async function childOf(parent: ChildProcess): Promise<number> {
  const file = `/proc/${parent.pid}/task/${parent.pid}/children`;
  for (let i = 0; i < 100; i++) {
    const pid = Number(readFileSafe(file)?.trim().split(/\s+/)[0]);
    if (pid > 0) return pid;
    await sleep(20);
  }
  throw new Error(`${GNU_TIME} started no product process`);
}

function readMemory(pid: number): { rssKiB: number; hwmKiB: number } | undefined {
  const status = readFileSafe(`/proc/${pid}/status`);
  if (!status) return undefined;
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rssKiB: field('VmRSS'), hwmKiB: field('VmHWM') };
}

function readFileSafe(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
