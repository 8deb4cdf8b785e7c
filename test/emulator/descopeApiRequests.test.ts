import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDescopeApi } from '../../src/descope/api';
import { DescopeUnavailableError } from '../../src/descope/errors';
import type { RunningEmulator } from '../../src/emulator';
import { Emulators } from './fixtures';

const emulators = new Emulators();
afterEach(() => emulators.closeAll());

/** The product's client on the emulator, once the SDK's licence handshake (fired on construction) is done. */
async function productClient(emulator: RunningEmulator) {
  const api = createDescopeApi({
    projectId: emulator.projectId,
    managementKey: emulator.managementKey,
    baseUrl: emulator.url,
    timeoutMs: 10_000,
  });
  await vi.waitFor(() => expect(emulator.counters.total('license')).toBe(1), { timeout: 10_000 });
  return api;
}

/**
 * The official SDK resends 503, 520, 521, 522, 524 and 530 itself (faults.test.ts shows it). The product's
 * client must not let it: a resent read would be stamped with the first attempt's send time, and Temporal's
 * retry of the activity, one request per attempt, is the only retry the rate limit and the write rule count.
 */
describe('the product client sends exactly one request per call', () => {
  for (const status of [503, 520, 521, 522, 524, 530]) {
    it(`a ${status} reaches the caller as DescopeUnavailableError after a single request`, async () => {
      const emulator = await emulators.start({ userCount: 3 });
      const api = await productClient(emulator);
      emulator.faults.set({ failNext: 1, errorStatuses: [status] });
      const before = emulator.counters.total('search');
      await expect(api.searchUsers({ limit: 10 })).rejects.toBeInstanceOf(DescopeUnavailableError);
      expect(emulator.counters.total('search') - before).toBe(1);
      // The next call is answered normally.
      expect((await api.searchUsers({ limit: 10 })).users).toHaveLength(3);
    });
  }

  it('a load of several users that meets a 503 is not resent either', async () => {
    const emulator = await emulators.start({ userCount: 3 });
    const api = await productClient(emulator);
    const ids = emulator.users.all().map((u) => u.userId);
    emulator.faults.set({ failNext: 1, errorStatuses: [503] });
    const before = emulator.counters.total('loadUsers');
    await expect(api.loadUsers(ids)).rejects.toBeInstanceOf(DescopeUnavailableError);
    expect(emulator.counters.total('loadUsers') - before).toBe(1);
  });
});
