import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const processModule = join(import.meta.dirname, '../../src/servers/process.ts');

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('servers a process starts', () => {
  it('die with it, however it exits (here process.exit from a shutdown guard, with the server still running)', async () => {
    // The parent starts a long-lived "server", prints its pid, and exits at once without stopping it.
    const script = `
      import { spawn } from 'node:child_process';
      const { ownChild } = await import(${JSON.stringify(processModule)});
      const child = ownChild(spawn('sleep', ['60'], { stdio: 'ignore' }));
      console.log(child.pid);
      setTimeout(() => process.exit(130), 200);
    `;
    const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    parent.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => parent.once('exit', resolve));
    expect(code).toBe(130);
    const pid = Number(out.trim());
    expect(pid).toBeGreaterThan(0);
    // Reaped by init once killed; give it a moment.
    for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    const running = alive(pid);
    if (running) execFileSync('kill', ['-9', String(pid)]);
    expect(running).toBe(false);
  });
});
