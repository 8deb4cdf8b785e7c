import { randomUUID } from 'node:crypto';
import { MongoClient, type CommandFailedEvent, type CommandStartedEvent, type CommandSucceededEvent } from 'mongodb';
import { MongoStore, type DescopeUser } from '../../src/store';
import { detectServerLimits } from '../../src/store/serverLimits';
import { reproduce } from '../options';
import { elapsed, round } from '../stats';
import type { ScenarioContext, ScenarioResult } from '../scenario';

const PAGE = 100;

interface Phase {
  phase: string;
  users: number;
  /** Wall time of the whole writes (users and history). */
  writeMs: number;
  /** Server round trips of the history's own commands (user_history reads and inserts, the check of users). */
  historyMs: number;
  historyCommands: number;
  pages: number;
  versions: number;
}

/**
 * Scenario: what `user_history` costs the one write path, per user. The product's writes (MongoStore.writeUsers,
 * pages of 100 as a backfill, an event batch or a sweep sends them) go to a database on the bench's server
 * through a client that monitors its commands, so the history's own commands (the read of version stamps,
 * the insert of versions, the rare check against `users`) are timed apart from the rest of the write, which
 * on FerretDB is dominated by collection scans and would drown a with/without difference in noise. Phases:
 * a backfill of N users, a re-read of all of them with nothing changed (a sweep), `changed` users changed.
 */
export async function historyScenario(ctx: ScenarioContext): Promise<ScenarioResult> {
  const { historyUsers: total, changed } = ctx.options;
  const client = new MongoClient(ctx.servers.mongoUri, { monitorCommands: true });
  await client.connect();
  const db = client.db(`bench_history_${randomUUID().slice(0, 8)}`);
  const store = new MongoStore(client, db, await detectServerLimits(db));
  const timing = historyCommandTiming(client);
  const phases: Phase[] = [];
  try {
    await store.ensureIndexes();
    const users = Array.from({ length: total }, (_, i) => benchUser(i, 1, ['Viewer']));
    const run = async (phase: string, batch: DescopeUser[], observedAt: number) => {
      const before = await store.history.estimatedDocumentCount();
      timing.reset();
      const start = performance.now();
      for (let i = 0; i < batch.length; i += PAGE) {
        const page = batch.slice(i, i + PAGE).map((user) => ({ kind: 'snapshot' as const, user, observedAt }));
        await store.writeUsers(page, 'reconcile');
      }
      const measure: Phase = {
        phase,
        users: batch.length,
        writeMs: elapsed(start),
        historyMs: timing.ms(),
        historyCommands: timing.commands(),
        pages: Math.ceil(batch.length / PAGE),
        versions: (await store.history.estimatedDocumentCount()) - before,
      };
      phases.push(measure);
      ctx.log(
        `  ${phase}: ${batch.length} users in ${round(measure.writeMs)} ms, of which history ${round(measure.historyMs)} ms in ${measure.historyCommands} commands (${measure.versions} versions)`,
      );
    };
    await run('backfill', users, 1_000);
    await run('re-read, nothing changed (a sweep)', users, 2_000);
    const step = Math.max(Math.floor(total / changed), 1);
    const targets = users.filter((_, i) => i % step === 0).slice(0, changed);
    await run(
      'changed users (reconciliation, events)',
      targets.map((u, i) => benchUser(Number(u.userId.slice(1)), 2, i % 2 ? ['Editor'] : ['Viewer', 'Admin'])),
      3_000,
    );
  } finally {
    await store.db.dropDatabase().catch(() => {});
    await client.close();
  }
  const perUser = (p: Phase | undefined, ms: number | undefined) =>
    p && ms !== undefined ? round(ms / p.users, 2) : 0;
  const [backfill, reread, change] = phases;
  return {
    name: 'history',
    title: `User history's write cost: ${total} stored users, ${changed} changed (${ctx.servers.mongoKind})`,
    command: reproduce('history', ctx.options),
    figures: {
      changedUserHistoryMs: perUser(change, change?.historyMs),
      changedUserWriteMs: perUser(change, change?.writeMs),
      changedHistoryCommandsPerPage: change ? round(change.historyCommands / change.pages, 1) : 0,
      backfillUserHistoryMs: perUser(backfill, backfill?.historyMs),
      backfillUserWriteMs: perUser(backfill, backfill?.writeMs),
      rereadUserHistoryMs: perUser(reread, reread?.historyMs),
      rereadUserWriteMs: perUser(reread, reread?.writeMs),
      versionsPerChangedUser: change ? round(change.versions / change.users, 2) : 0,
      rereadVersions: reread?.versions ?? 0,
    },
    targets: [
      { figure: 'rereadVersions', goal: '= 0 (an unchanged re-read adds nothing)', met: reread?.versions === 0 },
      { figure: 'versionsPerChangedUser', goal: '= 1', met: change !== undefined && change.versions === change.users },
      {
        figure: 'changedHistoryCommandsPerPage',
        goal: '≤ 2 (one read of stamps, one insert: nothing per user)',
        met: change !== undefined && change.historyCommands <= 2 * change.pages,
      },
    ],
    table: {
      columns: ['phase', 'users', 'write ms per user', 'history ms per user', 'history commands', 'versions'],
      rows: phases.map((p) => [
        p.phase,
        p.users,
        perUser(p, p.writeMs),
        perUser(p, p.historyMs),
        p.historyCommands,
        p.versions,
      ]),
    },
    notes: [
      `Pages of ${PAGE}. History per page: no read for users stored for the first time, one read of version ` +
        'stamps for stored users, one insertMany of the new versions. FerretDB v1 serves the stamps read with a ' +
        'scan of user_history (it grows with the versions); MongoDB uses the userId_validFrom index.',
    ],
    details: { phases },
  };
}

/** Sums the server round trips of commands on `user_history`, plus the history's check reads of `users`. */
function historyCommandTiming(client: MongoClient) {
  const started = new Map<number, boolean>();
  let ms = 0;
  let commands = 0;
  client.on('commandStarted', (e: CommandStartedEvent) => {
    const target = (e.command as Record<string, unknown>)[e.commandName];
    const projection = (e.command as { projection?: Record<string, unknown> }).projection;
    const usersCheck = target === 'users' && e.commandName === 'find' && projection?._sync === 1;
    if (target === 'user_history' || usersCheck) started.set(e.requestId, true);
  });
  const done = (e: CommandSucceededEvent | CommandFailedEvent) => {
    if (!started.delete(e.requestId)) return;
    ms += e.duration;
    commands += 1;
  };
  client.on('commandSucceeded', done);
  client.on('commandFailed', done);
  return {
    reset: () => {
      ms = 0;
      commands = 0;
    },
    ms: () => ms,
    commands: () => commands,
  };
}

function benchUser(i: number, modifiedTime: number, roleNames: string[]): DescopeUser {
  const id = `U${String(i).padStart(7, '0')}`;
  return {
    userId: id,
    loginIds: [`${id.toLowerCase()}@example.com`],
    email: `${id.toLowerCase()}@example.com`,
    name: `User ${i}`,
    status: 'enabled',
    roleNames,
    userTenants: [{ tenantId: 'T1', tenantName: 'Acme', roleNames: roleNames.slice(0, 1), permissions: [] }],
    customAttributes: { plan: i % 3 === 0 ? 'pro' : 'free' },
    createdTime: 1_700_000_000,
    modifiedTime,
  };
}
