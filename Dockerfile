# syntax=docker/dockerfile:1
# The descope-sync CLI (`worker`, `webhook`, or any other command), for docker-compose.yml.
# Debian, not Alpine: the Temporal worker's native core needs glibc.
FROM node:20-bookworm-slim

WORKDIR /app

# Dependencies first, so that a source change does not reinstall them. tsx runs the TypeScript sources
# directly (bin/descope-sync.js registers it): there is no build step.
COPY package.json package-lock.json ./
RUN npm ci && npm cache clean --force

COPY . .

ENV NODE_ENV=production
USER node

# Node is PID 1 (compose adds `init: true` for reaping): SIGTERM reaches the CLI, which drains and exits.
ENTRYPOINT ["node", "bin/descope-sync.js"]
CMD ["worker"]
