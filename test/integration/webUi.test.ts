import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { searchAttributesFor } from '../../src/temporal/searchAttributes';
import { WORKFLOW_TYPES, progressQuery, workflowIds, type ScanProgress } from '../../workflows/messages';
import { expectExactCopy, startStack, waitUntil, type Stack } from '../fixtures/stack';

/** Debian's chromium, which `npm test` installs (scripts/ensureChromium.js); playwright-core downloads none. */
const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
/** The README embeds docs/screenshots; `UPDATE_SCREENSHOTS=1 npm test` refreshes them, other runs keep theirs apart. */
const screenshots = process.env.UPDATE_SCREENSHOTS
  ? join(import.meta.dirname, '../../docs/screenshots')
  : join(tmpdir(), 'descope-sync-screenshots');
const USERS = 600;
/** Per search request until the UI has resumed: 60 pages of 10 take over a minute, ample time for the browser. */
const SLOW_SEARCH_MS = 1000;

let stack: Stack | undefined;
let browser: Browser | undefined;
afterEach(async () => {
  await browser?.close();
  browser = undefined;
  await stack?.close();
  stack = undefined;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function launchChromium(): Promise<Browser> {
  if (!existsSync(executablePath)) {
    throw new Error(`no Chromium at ${executablePath}: run \`node scripts/ensureChromium.js\` or set CHROMIUM_PATH`);
  }
  // Without the background-networking flags Chromium keeps dialing Google's hosts, which this network refuses.
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** More Actions → Send a Signal → pick the signal the workflow declares → Submit, with no input. */
async function sendSignal(page: Page, name: string, screenshot?: string): Promise<void> {
  await page.getByRole('button', { name: 'More Actions' }).click();
  await page.getByRole('menuitem', { name: 'Send a Signal' }).click();
  const dialog = page.getByRole('dialog', { name: 'Send a Signal' });
  // The UI lists the signals the worker reports for this workflow (its __temporal_workflow_metadata query).
  await dialog.getByRole('button', { name: 'Select a signal' }).click();
  await dialog.getByRole('option', { name, exact: true }).click();
  await dialog.getByRole('listbox').waitFor({ state: 'hidden' });
  if (screenshot) await page.screenshot({ path: join(screenshots, screenshot), animations: 'disabled' });
  await dialog.getByRole('button', { name: 'Submit' }).click();
  await dialog.waitFor({ state: 'hidden' });
}

/**
 * Queries tab → Query Type `progress` → Run Query (Refresh Query after the first), repeated until the JSON
 * the page renders satisfies `until`; returns it. A query can be answered before the worker has handled a
 * signal just sent, so one answer proves nothing either way.
 */
async function queryProgressInUi(
  page: Page,
  until: (shown: ScanProgress) => boolean,
  screenshot?: string,
): Promise<ScanProgress> {
  await page.getByRole('tab', { name: 'Queries' }).click();
  const queryType = page.getByRole('textbox', { name: 'Query Type' });
  await page.getByRole('button').filter({ has: queryType }).click();
  await page.getByRole('option', { name: 'progress', exact: true }).click();
  const result = page.getByRole('textbox').filter({ hasText: /"state":/ });
  const deadline = Date.now() + 30_000;
  let text: string | null = null;
  for (;;) {
    await page.getByRole('button', { name: /^(Run|Refresh) Query$/ }).click();
    for (const settle = Date.now() + 3000; Date.now() < settle; await sleep(200)) {
      text = await result.textContent({ timeout: 3000 }).catch(() => null);
      const shown = parseRendered(text);
      if (shown && until(shown)) {
        if (screenshot) await page.screenshot({ path: join(screenshots, screenshot), animations: 'disabled' });
        return shown;
      }
    }
    if (Date.now() > deadline) throw new Error(`the UI's progress query never showed what was expected: ${text}`);
  }
}

/** CodeMirror renders one element per line: their text joined is the JSON without its line breaks. */
function parseRendered(text: string | null): ScanProgress | undefined {
  try {
    return text ? (JSON.parse(text) as ScanProgress) : undefined;
  } catch {
    return undefined;
  }
}

describe('the Temporal Web UI as the control room', () => {
  it('pauses a running backfill from its page, its progress query shows paused, and resume finishes the copy', async () => {
    stack = await startStack({ emulator: { seed: 21, userCount: USERS, testUserCount: 0 } });
    stack.emulator.faults.set({ latencyMs: SLOW_SEARCH_MS });
    await stack.startWorker();
    // As `descope-sync backfill start` starts it: the product's id and search attributes.
    const handle = await stack.client.workflow.start(WORKFLOW_TYPES.backfill, {
      taskQueue: stack.taskQueue,
      workflowId: workflowIds.backfill(stack.projectId),
      args: [{ pageSize: 10, lanes: 2 }],
      ...searchAttributesFor(true, 'backfill', stack.projectId),
    });
    await waitUntil('a first page', async () => (await handle.query(progressQuery)).pages >= 1);

    mkdirSync(screenshots, { recursive: true });
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.setDefaultTimeout(30_000);
    const filter = `DescopeProjectId="${stack.projectId}"`;
    await page.goto(`${inject('temporalUiUrl')}/namespaces/default/workflows?query=${encodeURIComponent(filter)}`);
    const row = page.getByRole('link', { name: handle.workflowId, exact: true });
    await row.waitFor();
    await page.screenshot({ path: join(screenshots, 'workflow-list.png'), animations: 'disabled' });
    await row.click();
    await page.getByRole('heading', { name: handle.workflowId }).waitFor();
    // The History tab redraws its event timeline as pages land, which is slow on a busy machine.
    await page.getByRole('tab', { name: 'Queries' }).click();

    await sendSignal(page, 'pause', 'send-signal-pause.png');
    await queryProgressInUi(page, (shown) => shown.state === 'paused');
    // The page in flight when the signal arrived still lands; after that the scan stands still.
    await sleep(SLOW_SEARCH_MS + 2000);
    const paused = await handle.query(progressQuery);
    const searches = stack.emulator.counters.total('search');
    expect(paused.state).toBe('paused');
    expect(paused.totals.seen).toBeGreaterThan(0);
    expect(paused.totals.seen).toBeLessThan(USERS);
    // What the page shows is exactly what the client reads.
    const shownPaused = await queryProgressInUi(
      page,
      (shown) => shown.state === 'paused' && shown.pages === paused.pages,
      'query-paused.png',
    );
    expect(shownPaused).toMatchObject({ totals: paused.totals, cursor: paused.cursor });
    // While paused nothing reaches Descope.
    await sleep(2500);
    expect(stack.emulator.counters.total('search')).toBe(searches);
    expect((await handle.query(progressQuery)).pages).toBe(paused.pages);

    await sendSignal(page, 'resume');
    const shownRunning = await queryProgressInUi(page, (shown) => shown.state === 'running');
    expect(shownRunning.pages).toBeGreaterThanOrEqual(paused.pages);
    await waitUntil('searches again', async () => stack!.emulator.counters.total('search') > searches, 30_000);
    stack.emulator.faults.set({ latencyMs: 0 });
    const result = await handle.result();
    expect(result.totals.seen).toBeGreaterThanOrEqual(USERS);
    await expectExactCopy(stack);
  }, 180_000);
});
