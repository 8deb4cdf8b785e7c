import { z } from 'zod';
import { formatPath } from './path';
import type { BatchAction, UserAction } from './types';

/**
 * Descope documents no webhook payload (see DESCOPE_API.md), so these schemas check only the fields the sync
 * reads, let every other field through, and treat null like missing.
 */

export const USER_ACTIONS = ['UserCreated', 'UserModified', 'UserDeleted'] as const satisfies readonly UserAction[];
export const BATCH_ACTIONS = [
  'UsersCreated',
  'UsersModified',
  'UsersDeleted',
] as const satisfies readonly BatchAction[];

const userId = z.string().min(1).max(256);
/** Audit records carry `userId: ""` when no single user is concerned (batch operations): same as absent. */
const optionalUserId = z
  .string()
  .max(256)
  .nullish()
  .transform((v) => v || undefined);

/** Epoch ms; audit search renders it as a numeric string, the webhook as a number. */
const occurredError = 'expected epoch milliseconds as a number or a numeric string';
const occurred = z
  .union(
    [
      z.number().nonnegative().max(Number.MAX_SAFE_INTEGER),
      z.string().regex(/^\d{1,16}(\.\d+)?$/, { error: occurredError }),
    ],
    { error: occurredError },
  )
  .transform((v) => Math.trunc(Number(v)));

const envelope = {
  action: z.string(),
  ID: z.unknown().optional(),
  occurred: occurred.nullish(),
  actorId: z.string().nullish(),
};

export const userEventSchema = z.looseObject({ ...envelope, userId: optionalUserId, data: z.unknown().optional() });

/** How a batch event lists its users is undocumented: all three plausible places are accepted. */
export const batchEventSchema = z.looseObject({
  ...envelope,
  userId: optionalUserId,
  userIds: z.array(userId).nullish(),
  data: z
    .looseObject({
      userIds: z.array(userId).nullish(),
      users: z.array(z.looseObject({ userId })).nullish(),
    })
    .nullish(),
});

/** `[3].userId: expected string, received number`: a problem located inside the delivery. */
export function describeProblem(at: readonly PropertyKey[], path: readonly PropertyKey[], message: string): string {
  return `${formatPath([...at, ...path])}: ${message.replace(/^Invalid input: /, '')}`;
}

/** The first issue only: one precise message helps a sender more than a wall of them. */
export function describeZodError(error: z.ZodError, at: readonly PropertyKey[]): string {
  const issue = error.issues[0];
  return describeProblem(at, issue?.path ?? [], issue?.message ?? 'invalid');
}
