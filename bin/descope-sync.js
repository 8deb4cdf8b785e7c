#!/usr/bin/env node
// Entry point for the `descope-sync` CLI. The project runs its TypeScript sources through tsx's loader,
// so there is no separate build step between a checkout and a working command.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
