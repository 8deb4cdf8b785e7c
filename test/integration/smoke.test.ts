import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKFLOW_TYPES, workflowIds } from '../../workflows/messages';
import { startStack, type Stack } from '../fixtures/stack';

describe('smoke: a workflow on the real Temporal dev server writes through the store into MongoDB', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ emulator: { seed: 7, userCount: 3, testUserCount: 0 } });
    await stack.startWorker();
  });
  afterAll(() => stack?.close());

  it('applies one user event and the user can be read back from MongoDB', async () => {
    const user = stack.emulator.users.all()[0]!;
    const result = await stack.client.workflow.execute(WORKFLOW_TYPES.applyEvent, {
      taskQueue: stack.taskQueue,
      workflowId: workflowIds.event(`smoke-${user.userId}`),
      args: [{ eventId: 'smoke', action: 'UserModified', userId: user.userId }],
    });
    expect(result).toBe('applied');
    const stored = await stack.store.getUser(user.userId);
    expect(stored?.user).toEqual(user);
    expect(stored?.meta.deleted).toBe(false);
    expect(stored?.meta.source).toBe('event');
  });
});
