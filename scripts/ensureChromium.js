// Makes sure a Chromium exists for the browser test (part of `npm test`). playwright-core never downloads a
// browser, so the test drives Debian's `chromium` package: CHROMIUM_PATH when set, else /usr/bin/chromium,
// installed here with apt-get when missing (CI runs on a fresh machine as root with Debian's apt reachable).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const target = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const howTo =
  'Install it with `apt-get install -y chromium` (as root), or set CHROMIUM_PATH to a Chromium or Chrome executable.';

if (existsSync(target)) {
  console.log(`chromium: ${target}`);
  process.exit(0);
}
if (process.env.CHROMIUM_PATH) {
  console.error(`chromium: CHROMIUM_PATH points at ${target}, which does not exist. ${howTo}`);
  process.exit(1);
}

function aptGet(args) {
  const command = ['apt-get', ...args];
  console.log(`chromium: running \`${command.join(' ')}\``);
  const started = Date.now();
  const run = spawnSync(command[0], command.slice(1), {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    timeout: 15 * 60_000,
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  if (run.error) console.error(`chromium: apt-get ${args[0]} could not run: ${run.error.message}`);
  else console.log(`chromium: apt-get ${args[0]} exited with ${run.status} after ${seconds}s`);
  return run.status === 0;
}

console.log(`chromium: not found at ${target}; installing Debian's chromium package`);
const install = ['install', '-y', '--no-install-recommends', 'chromium'];
// The package lists may be stale or absent on a fresh machine: refresh them only when the install fails.
const installed = aptGet(install) || (aptGet(['update']) && aptGet(install));
if (!installed || !existsSync(target)) {
  console.error(`chromium: could not install Debian's chromium package, which the browser test needs. ${howTo}`);
  process.exit(1);
}
console.log(`chromium: installed ${target}`);
