import { emulatorHelp } from '../emulator/cliFlags';
import { backfillCommand } from './backfill';
import { devCommand } from './dev';
import { historyCommand } from './history';
import { reconcileCommand, replayCommand } from './reconcile';
import { schedulesCommand } from './schedules';
import { serversCommand } from './servers';
import { statusCommand } from './status';
import { runWebhook } from './webhook';
import { runWorker } from './worker';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { DescopeTarget } from '../runtime';

export interface CommandContext {
  argv: string[];
  config: Config;
  target: DescopeTarget;
  logger: Logger;
  signal: AbortSignal;
}

export interface Command {
  summary: string;
  help: string;
  needsConfig?: boolean;
  needsDescope?: boolean;
  run(ctx: CommandContext): Promise<number | void>;
}

export const commands: Record<string, Command> = {
  dev: devCommand,
  worker: {
    summary: 'Run the Temporal worker (workflows, activities, schedules, /metrics).',
    help: 'descope-sync worker\n\nRuns until SIGINT/SIGTERM; /metrics and /healthz on METRICS_PORT. Configured by the environment (see README).',
    needsDescope: true,
    run: (ctx) => runWorker(ctx.config, ctx.target, ctx.logger, ctx.signal),
  },
  webhook: {
    summary: 'Run the audit webhook server (needs WEBHOOK_AUTH).',
    help: 'descope-sync webhook\n\nServes POST WEBHOOK_PATH, /healthz, /readyz and /metrics on WEBHOOK_PORT.',
    needsDescope: true,
    run: (ctx) => runWebhook(ctx.config, ctx.target, ctx.logger, ctx.signal),
  },
  emulator: {
    summary: 'Run the local Descope emulator standalone.',
    get help() {
      return emulatorHelp();
    },
    needsConfig: false,
    run: async (ctx) => {
      // Imported when run: the emulator is not part of the production build (scripts/build.ts).
      const { runEmulatorCommand } = await import('../emulator/cli');
      await runEmulatorCommand(ctx.argv, { signal: ctx.signal });
    },
  },
  servers: serversCommand,
  backfill: backfillCommand,
  reconcile: reconcileCommand,
  replay: replayCommand,
  schedules: schedulesCommand,
  status: statusCommand,
  history: historyCommand,
};

export function usage(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `Usage: descope-sync <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun \`descope-sync <command> --help\` for a command's options.`;
}
