/**
 * Seeds a large project and measures search latency: `npx tsx src/emulator/bench.ts --count 1000000`.
 * Searches run over HTTP against the live emulator (what a product sees) and in-process (the index alone).
 */
import { parseArgs } from 'node:util';
import { createPrng } from './prng';
import { startEmulator } from './index';

interface Query {
  name: string;
  runs: number;
  body: () => Record<string, unknown>;
}

const { values } = parseArgs({ options: { count: { type: 'string', default: '1000000' } } });
const count = Number(values.count);
const prng = createPrng(7);
const HOUR_MS = 3_600_000;
let pageNo = 0;

const seedStart = performance.now();
const emulator = await startEmulator({ userCount: count, testUserCount: Math.floor(count / 100), rateLimits: false });
const seedMs = performance.now() - seedStart;
global.gc?.();
const memory = process.memoryUsage();
const [first, last] = await timeBounds();

const queries: Query[] = [
  { name: 'modified window 1h', runs: 400, body: () => ({ limit: 100, ...windowOf('Modified', HOUR_MS) }) },
  { name: 'created window 1d', runs: 400, body: () => ({ limit: 100, ...windowOf('Created', 24 * HOUR_MS) }) },
  {
    name: 'modified since ~30d, fresh',
    runs: 50,
    body: () => ({ limit: 100, fromModifiedTime: last - 30 * 24 * HOUR_MS - prng.int(0, 999_999) }),
  },
  {
    name: 'modified since 30d, paging',
    runs: 400,
    body: () => ({ limit: 100, page: pageNo++, fromModifiedTime: last - 30 * 24 * HOUR_MS }),
  },
  { name: 'no filter, page 0', runs: 50, body: () => ({ limit: 100 }) },
  { name: 'no filter, deep page', runs: 50, body: () => ({ limit: 100, page: Math.floor(count / 200) }) },
];

console.log(`users: ${emulator.users.count()}  seed: ${(seedMs / 1000).toFixed(2)} s`);
console.log(`heap used: ${mb(memory.heapUsed)}  rss: ${mb(memory.rss)}`);
for (const query of queries) {
  const latencies: number[] = [];
  for (let i = 0; i < query.runs; i++) {
    const start = performance.now();
    await search(query.body());
    latencies.push(performance.now() - start);
  }
  latencies.sort((a, b) => a - b);
  console.log(`${query.name.padEnd(28)} p50 ${ms(percentile(latencies, 0.5))}  p99 ${ms(percentile(latencies, 0.99))}`);
}
await emulator.close();

function windowOf(field: 'Created' | 'Modified', widthMs: number): Record<string, number> {
  const from = first + Math.floor(prng.next() * (last - first - widthMs));
  return { [`from${field}Time`]: from, [`to${field}Time`]: from + widthMs };
}

async function search(body: Record<string, unknown>): Promise<unknown> {
  const response = await fetch(`${emulator.url}/v2/mgmt/user/search`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${emulator.projectId}:${emulator.managementKey}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`search answered ${response.status}`);
  return response.json();
}

/** The first and last creation, from two one-user searches sorted each way. */
async function timeBounds(): Promise<[number, number]> {
  const edge = async (desc: boolean): Promise<number> => {
    const body = { limit: 1, sort: [{ field: 'createdTime', desc }] };
    const { users } = (await search(body)) as { users: { createdTime: number }[] };
    return (users[0]?.createdTime ?? 0) * 1000;
  };
  return [await edge(false), await edge(true)];
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(0)} MB`;
}

function ms(value: number): string {
  return `${value.toFixed(2)} ms`.padStart(10);
}
