import type { DescopeUser } from '../../src/emulator';
import { count, liveUsers, type SimContext } from './steps';
import { newUser, userPatch } from './values';

/** User changes through the emulator, as Descope's API makes them: each emits its audit event (and webhook). */
export async function mutationStep(ctx: SimContext): Promise<string> {
  const { prng } = ctx;
  const users = ctx.deployment.emulator.users;
  const live = liveUsers(ctx);
  const pickSome = (n: number): DescopeUser[] => prng.shuffle([...live]).slice(0, n);
  const roll = prng.int(0, 99);
  if (roll < 20 || live.length < 10) {
    const created = users.create(newUser(prng, ++ctx.serial));
    count(ctx, 'mutate/create');
    return `create ${created.userId}`;
  }
  if (roll < 28) {
    const batch = Array.from({ length: prng.int(2, 6) }, () => newUser(prng, ++ctx.serial));
    const created = users.createMany(batch);
    count(ctx, 'mutate/createMany');
    return `createMany ${created.map((u) => u.userId).join(',')}`;
  }
  if (roll < 31) {
    const created = users.create(newUser(prng, ++ctx.serial, true));
    ctx.testIds.add(created.userId);
    count(ctx, 'mutate/createTestUser');
    return `create test user ${created.userId}`;
  }
  if (roll < 61) {
    const [user] = pickSome(1);
    const patch = userPatch(prng);
    users.update(user!.userId, patch);
    count(ctx, 'mutate/update');
    return `update ${user!.userId} ${Object.keys(patch).join(',')}`;
  }
  if (roll < 73) {
    const picked = pickSome(prng.int(2, 6));
    users.updateMany(picked.map((u) => ({ userId: u.userId, patch: userPatch(prng) })));
    count(ctx, 'mutate/updateMany');
    return `updateMany ${picked.map((u) => u.userId).join(',')}`;
  }
  if (roll < 81) {
    const [user] = pickSome(1);
    const status = user!.status === 'disabled' ? 'enabled' : 'disabled';
    users.update(user!.userId, { status });
    count(ctx, status === 'disabled' ? 'mutate/disable' : 'mutate/enable');
    return `${status} ${user!.userId}`;
  }
  if (roll < 93) {
    const [user] = pickSome(1);
    users.delete(user!.userId);
    count(ctx, 'mutate/delete');
    return `delete ${user!.userId}`;
  }
  const picked = pickSome(prng.int(2, 4));
  users.deleteMany(picked.map((u) => u.userId));
  count(ctx, 'mutate/deleteMany');
  return `deleteMany ${picked.map((u) => u.userId).join(',')}`;
}
