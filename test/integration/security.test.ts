import { afterEach, describe, expect, it } from 'vitest';
import { WORKFLOW_TYPES, workflowIds } from '../../workflows/messages';
import { countDifferences, expectExactCopy, startStack, type Stack } from '../fixtures/stack';
import { recordReliability } from '../fixtures/reliability';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

describe('no MongoDB operator injection from Descope data', () => {
  it('stores custom attributes whose keys start with $ or contain dots safely, and reads them back unchanged', async () => {
    stack = await startStack({ emulator: { seed: 71, userCount: 20, testUserCount: 0 } });
    const hostile = stack.emulator.users.create({
      email: 'hostile@example.com',
      customAttributes: { $where: 'sleep(1000)', 'a.b': 'dotted', $gt: '', '~tilde': 'x', plan: 'pro', __proto__: 'p' },
    });
    await stack.startWorker();
    await stack.client.workflow.execute(WORKFLOW_TYPES.backfill, {
      taskQueue: stack.taskQueue,
      workflowId: workflowIds.backfill(stack.projectId),
      args: [{}],
    });
    const stored = await stack.store.getUser(hostile.userId);
    expect(stored?.user).toEqual(hostile);
    expect(stored?.meta.escaped).toBe(true);
    const raw = await stack.store.users.findOne({ _id: hostile.userId });
    const keys = Object.keys((raw?.customAttributes ?? {}) as object);
    expect(keys.some((k) => k.startsWith('$') || k.includes('.'))).toBe(false);
    expect(({} as Record<string, unknown>).plan).toBeUndefined(); // nothing leaked onto Object.prototype
    await expectExactCopy(stack);
    recordReliability({
      fault: 'Bad input: custom attribute keys $where, $gt, a.b, ~tilde, __proto__ (operator injection)',
      injected: 5,
      outcome: 'stored escaped, read back unchanged; no operator ran, nothing leaked onto Object.prototype',
      lost: await countDifferences(stack),
    });
  });
});
