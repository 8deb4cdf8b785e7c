#!/usr/bin/env node
// The developer entry of the `descope-sync` CLI: it runs the TypeScript sources through tsx's loader (a dev
// dependency), so a checkout needs no build step. Production runs `npm run build`'s dist/descope-sync.js.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
