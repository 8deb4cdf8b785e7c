import { describe, expect, it } from 'vitest';
import { buildEmulator } from '../../src/emulator';
import { seedUsers } from '../../src/emulator/seed/seedUsers';
import { USER_FIELDS } from './fixtures';

const END = 1_767_225_600;

describe('seeded users', () => {
  it('are the same for the same seed and differ for another', () => {
    const a = seedUsers({ seed: 42, count: 500, testCount: 5, endSec: END });
    expect(seedUsers({ seed: 42, count: 500, testCount: 5, endSec: END })).toEqual(a);
    const other = seedUsers({ seed: 43, count: 500, testCount: 5, endSec: END });
    expect(other.map((user) => user.userId)).not.toEqual(a.map((user) => user.userId));
  });

  it('give the same project for the same emulator options', () => {
    const first = buildEmulator({ seed: 9, userCount: 200, testUserCount: 4 });
    const second = buildEmulator({ seed: 9, userCount: 200, testUserCount: 4 });
    expect(second.users.all()).toEqual(first.users.all());
    expect(second.ctx.projectId).toBe(first.ctx.projectId);
  });

  it('have every documented field, Descope-style ids and realistic values', () => {
    const users = seedUsers({ seed: 1, count: 2000, testCount: 20, endSec: END });
    for (const user of users) {
      expect(Object.keys(user).sort()).toEqual(USER_FIELDS);
      expect(user.userId).toMatch(/^U2[0-9A-Za-z]{26}$/);
      expect(user.loginIds.length).toBeGreaterThan(0);
    }
    const share = (predicate: (user: (typeof users)[number]) => boolean) =>
      users.filter(predicate).length / users.length;
    expect(share((user) => user.status === 'enabled')).toBeGreaterThan(0.7);
    expect(share((user) => user.status === 'disabled')).toBeGreaterThan(0.02);
    expect(share((user) => user.userTenants.length > 0)).toBeGreaterThan(0.2);
    expect(share((user) => Object.keys(user.customAttributes).length > 0)).toBeGreaterThan(0.5);
    expect(share((user) => user.phone !== '')).toBeGreaterThan(0.4);
    expect(users.filter((user) => user.test)).toHaveLength(20);
    expect(new Set(users.map((user) => user.userId)).size).toBe(users.length);
    expect(new Set(users.flatMap((user) => user.loginIds)).size).toBe(users.flatMap((user) => user.loginIds).length);
  });

  it('have epoch-second times spread over years, never modified before created', () => {
    const users = seedUsers({ seed: 2, count: 3000, endSec: END });
    for (const user of users) {
      expect(Number.isInteger(user.createdTime)).toBe(true);
      expect(user.modifiedTime).toBeGreaterThanOrEqual(user.createdTime);
      expect(user.modifiedTime).toBeLessThanOrEqual(END);
    }
    const created = users.map((user) => user.createdTime);
    expect(Math.max(...created) - Math.min(...created)).toBeGreaterThan(2 * 365 * 24 * 3600);
    expect(users.filter((user) => user.modifiedTime > user.createdTime).length).toBeGreaterThan(1000);
  });

  it('include bulk imports of 50 to 500 users created in the same second', () => {
    const users = seedUsers({ seed: 3, count: 5000, endSec: END });
    const perSecond = new Map<number, number>();
    for (const user of users) perSecond.set(user.createdTime, (perSecond.get(user.createdTime) ?? 0) + 1);
    const clusters = [...perSecond.values()].filter((count) => count > 1);
    expect(clusters.length).toBeGreaterThan(0);
    expect(clusters.every((count) => count >= 50 && count <= 1250)).toBe(true);
    const modifiedPerSecond = new Map<number, number>();
    for (const user of users)
      modifiedPerSecond.set(user.modifiedTime, (modifiedPerSecond.get(user.modifiedTime) ?? 0) + 1);
    expect(Math.max(...modifiedPerSecond.values())).toBeGreaterThanOrEqual(50);
  });

  it('come sorted by (createdTime, userId)', () => {
    const users = seedUsers({ seed: 4, count: 3000, testCount: 30, endSec: END });
    const keys = users.map((user) => [user.createdTime, user.userId] as const);
    const sorted = [...keys].sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1));
    expect(keys).toEqual(sorted);
  });

  it('seed a million users in seconds', () => {
    const started = performance.now();
    const emulator = buildEmulator({ userCount: 1_000_000 });
    expect(emulator.users.count()).toBe(1_000_000);
    // Generous for a loaded CI machine; the benchmark reports the real figure.
    expect(performance.now() - started).toBeLessThan(60_000);
  }, 120_000);
});
