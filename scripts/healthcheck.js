/* global fetch, AbortSignal */
// The image's HEALTHCHECK (copied to dist/ by scripts/build.ts; no dependencies). One image runs either
// command, so it asks both places a descope-sync process answers and is healthy when one says so:
// the webhook's /readyz on WEBHOOK_PORT (it can reach Temporal and MongoDB, so deliveries get a 2xx) and the
// worker's /healthz on METRICS_PORT (all its pollers run). A worker with METRICS_PORT=0 has no health check.
const probes = [
  [process.env.WEBHOOK_PORT || '3000', '/readyz'],
  [process.env.METRICS_PORT || '9464', '/healthz'],
].filter(([port]) => port !== '0');

const answers = probes.map(async ([port, path]) => {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(4000) });
  if (!res.ok) throw new Error(`${path} on port ${port}: ${res.status}`);
  return `${path} on port ${port}: ${res.status}`;
});

Promise.any(answers).then(
  (line) => {
    console.log(line);
    process.exit(0);
  },
  (error) => {
    console.error(error instanceof AggregateError ? error.errors.map(String).join('; ') : String(error));
    process.exit(1);
  },
);
