import { afterEach, beforeEach } from 'vitest';
import type { RunningEmulator, WebhookSenderOptions } from '../../src/emulator';
import { Emulators, ManualClock, Receiver } from './fixtures';

export interface WebhookHarness {
  readonly emulators: Emulators;
  readonly receiver: Receiver;
  readonly clock: ManualClock;
  /** A long batching delay: nothing goes out until the test calls flush(), so no test waits on a timer. */
  start(webhook?: WebhookSenderOptions): Promise<RunningEmulator>;
  /** `times` programmatic updates of one user: one UserModified event each. */
  touch(emulator: RunningEmulator, times: number): void;
}

/** A fresh receiver and clock per test, and every emulator closed after it. */
export function useWebhookHarness(): WebhookHarness {
  const emulators = new Emulators();
  let receiver: Receiver | undefined;
  let clock = new ManualClock();
  beforeEach(async () => {
    receiver = await Receiver.start();
    clock = new ManualClock();
  });
  afterEach(async () => {
    await emulators.closeAll();
    await receiver?.close();
  });
  const harness: WebhookHarness = {
    emulators,
    get receiver() {
      if (!receiver) throw new Error('receiver not started');
      return receiver;
    },
    get clock() {
      return clock;
    },
    start: (webhook = {}) =>
      emulators.start({
        userCount: 10,
        now: clock.now,
        webhook: { url: harness.receiver.url, delayMs: 60_000, ...webhook },
      }),
    touch: (emulator, times) => {
      const [user] = emulator.users.all();
      for (let i = 0; i < times; i++) emulator.users.update(user!.userId, { givenName: `v${i}` });
    },
  };
  return harness;
}
