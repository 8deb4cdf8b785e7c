# syntax=docker/dockerfile:1
# The descope-sync CLI (`worker`, `webhook`, or any other production command), for docker-compose.yml.
# Debian, not Alpine: the Temporal worker's native core needs glibc.

# Build: dev dependencies, then `npm run build` (scripts/build.ts): the CLI bundled into dist/descope-sync.js
# and the workflow bundle prebuilt into dist/workflows.js. Nothing of this stage but dist/ reaches the image.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY . .
RUN npm run build

# Runtime: production dependencies only (no tsx, esbuild, TypeScript, vitest; no emulator, no server builders,
# no sources), owned by root and run by the unprivileged `node` user, who can read but not change them.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# The Temporal core ships native binaries for five platforms (137 MB): keep only the one this image loads.
RUN npm ci --omit=dev --ignore-scripts \
  && keep="$(node -p "require('@temporalio/core-bridge/common.js').getPrebuiltTargetName()")" \
  && find node_modules/@temporalio/core-bridge/releases -mindepth 1 -maxdepth 1 ! -name "$keep" -exec rm -rf {} + \
  && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node

# One image, either command: scripts/healthcheck.js asks the webhook's /readyz (WEBHOOK_PORT) and the worker's
# /healthz (METRICS_PORT: every poller running) and is healthy when the process in this container answers 200.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 CMD ["node", "dist/healthcheck.js"]

# Node is PID 1 (compose adds `init: true` for reaping): SIGTERM reaches the CLI, which drains and exits.
ENTRYPOINT ["node", "--enable-source-maps", "dist/descope-sync.js"]
CMD ["worker"]
