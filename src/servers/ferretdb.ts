import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { cacheDir } from './cache';
import { goBuildOnce } from './goBuild';
import { freePort, ownChild, stopProcess } from './process';

const moduleDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../scripts/ferretdb');

/** Builds the project's FerretDB embed (scripts/ferretdb) once per source version into the cache. */
export async function resolveFerretDb(log: (line: string) => void = () => {}): Promise<string> {
  const hash = createHash('sha256');
  for (const file of ['go.mod', 'go.sum', 'main.go']) hash.update(readFileSync(join(moduleDir, file)));
  const target = join(cacheDir(), 'bin', `ferretdb-v1.24.0-${hash.digest('hex').slice(0, 12)}`);
  return goBuildOnce(
    target,
    'FerretDB v1.24.0 (SQLite backend)',
    (tmp) => ({ args: ['build', '-o', join(tmp, 'ferretdb'), '.'], cwd: moduleDir, output: join(tmp, 'ferretdb') }),
    log,
  );
}

export interface MongoWireServer {
  uri: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts FerretDB on loopback with its SQLite files in `dataDir`; resolves with its MongoDB URI. */
export async function startFerretDb(options: {
  dataDir: string;
  port?: number;
  log?: (line: string) => void;
}): Promise<MongoWireServer> {
  const binary = await resolveFerretDb(options.log);
  const port = options.port ?? (await freePort());
  const child = ownChild(
    spawn(binary, ['-dir', options.dataDir, '-listen', `127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] }),
  );
  const stderr: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const firstLine = await new Promise<string>((resolveLine, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error('FerretDB did not start within 30 s')), 30_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolveLine(line);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`FerretDB exited with ${code}: ${stderr.join('')}`));
    });
  }).catch(async (error: unknown) => {
    await stopProcess(child);
    throw error;
  });
  const uri = firstLine.trim().replace(/\/$/, '') + '/?directConnection=true';
  return { uri, process: child, stop: () => stopProcess(child) };
}
