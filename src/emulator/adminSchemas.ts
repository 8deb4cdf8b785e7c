import { z } from 'zod';
import { RATE_LIMIT_CLASSES } from './http/rateLimit';

/** Admin API bodies. Everything is partial: a body changes only what it names. */

const fraction = z.number().min(0).max(1);
const ms = z.number().int().nonnegative();

export const faultsBody = z
  .object({
    latencyMs: ms,
    jitterMs: ms,
    errorRate: fraction,
    errorStatuses: z.array(z.number().int().min(400).max(599)),
    nonJsonRate: fraction,
    nonJsonKinds: z.array(z.enum(['html502', 'text429'])),
    failNext: z.number().int().nonnegative(),
    emptySearch: z.boolean(),
    emptySearchTotal: z.enum(['real', 'zero']),
    endpoints: z.array(z.string()),
    seed: z.number().int(),
  })
  .partial();

const rule = z.union([
  z.object({ limit: z.number().int().positive(), windowMs: ms.positive(), blockMs: ms }),
  z.literal(false),
]);

export const rateLimitsBody = z.union([z.literal(false), z.partialRecord(z.enum(RATE_LIMIT_CLASSES), rule)]);

const auth = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }),
  z.object({ type: z.literal('bearer'), token: z.string() }),
  z.object({ type: z.literal('apikey'), header: z.string().min(1), key: z.string() }),
  z.object({ type: z.literal('basic'), username: z.string(), password: z.string() }),
  z.object({
    type: z.literal('oauth2'),
    tokenUrl: z.url(),
    clientId: z.string(),
    clientSecret: z.string(),
    scope: z.string().optional(),
  }),
]);

export const webhookBody = z
  .object({
    enabled: z.boolean(),
    url: z.url().optional(),
    auth,
    headers: z.record(z.string(), z.string()),
    hmacSecret: z.string().optional(),
    delayMs: ms,
    maxBatch: z.number().int().positive(),
    duplicateRate: fraction,
    duplicateNext: z.number().int().nonnegative(),
    reorder: z.union([z.boolean(), z.enum(['within', 'across'])]),
    dropRate: fraction,
    dropNext: z.number().int().nonnegative(),
    retry: z
      .object({
        attempts: z.number().int().positive(),
        backoffMs: ms,
        maxDelayMs: ms,
        retryNon2xx: z.boolean(),
        retryConnectionErrors: z.boolean(),
      })
      .partial(),
    batchEventsNameUsers: z.boolean(),
    includeEventIds: z.boolean(),
    timeoutMs: ms.positive(),
    seed: z.number().int(),
  })
  .partial();
