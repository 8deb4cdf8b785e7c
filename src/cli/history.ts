import { UsageError, connectStore } from '../runtime';
import { versionAt, type UserVersion } from '../store/historyRead';
import { parseFlags, print } from './args';
import type { Command } from './commands';

export const historyCommand: Command = {
  summary: "A user's versions in MongoDB (user_history), or its state at a time.",
  help: [
    'descope-sync history <userId> [--at <ISO time>] [--json]',
    '',
    'Without --at: every version of the user, oldest first, each valid from the time the copy observed it',
    'until the next one. With --at: the version in force then (status, roles, tenants, custom attributes).',
    'Exits 1 when the copy has no version of the user (at that time).',
  ].join('\n'),
  async run(ctx) {
    const { values, positionals } = parseFlags(ctx.argv, { at: { type: 'string' }, json: { type: 'boolean' } });
    const [userId, ...extra] = positionals;
    if (!userId || extra.length > 0) throw new UsageError(`usage: ${historyCommand.help.split('\n')[0]}`);
    const at = values.at === undefined ? undefined : parseTime(values.at);
    const json = values.json ?? false;
    const store = await connectStore(ctx.config);
    try {
      const versions = await store.userHistory(userId);
      if (at === undefined) {
        print(json, { userId, versions: versions.map(describe) }, () => listing(userId, versions));
        return versions.length > 0 ? 0 : 1;
      }
      const version = versionAt(versions, at);
      const when = new Date(at).toISOString();
      print(json, { userId, at: when, version: version ? describe(version) : null }, () =>
        stateLines(userId, when, version, versions[0]),
      );
      return version ? 0 : 1;
    } finally {
      await store.close();
    }
  },
};

function parseTime(value: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new UsageError(`--at: expected an ISO time such as 2026-11-30T12:00:00Z, got "${value}"`);
  return ms;
}

/** A version for --json: times in ISO, the fields people ask about, and the whole user as Descope returned it. */
function describe(v: UserVersion) {
  return {
    validFrom: new Date(v.validFrom).toISOString(),
    validTo: v.validTo === null ? null : new Date(v.validTo).toISOString(),
    deleted: v.deleted,
    source: v.source,
    modifiedTime: v.modifiedTime,
    ...summary(v),
    user: v.user,
    ...(v.stateRefused === undefined ? {} : { stateRefused: v.stateRefused }),
  };
}

function summary(v: UserVersion) {
  const user: Record<string, unknown> = v.user ?? {};
  const tenants = Array.isArray(user.userTenants) ? (user.userTenants as Record<string, unknown>[]) : [];
  return {
    status: v.deleted ? 'deleted' : typeof user.status === 'string' ? user.status : null,
    roles: Array.isArray(user.roleNames) ? (user.roleNames as unknown[]).map(String) : [],
    tenants: tenants.map((t) => ({
      tenantId: String(t.tenantId ?? ''),
      ...(typeof t.tenantName === 'string' ? { tenantName: t.tenantName } : {}),
      roles: Array.isArray(t.roleNames) ? (t.roleNames as unknown[]).map(String) : [],
    })),
    customAttributes: (user.customAttributes ?? {}) as Record<string, unknown>,
  };
}

function listing(userId: string, versions: UserVersion[]): string {
  if (versions.length === 0) return `No history of ${userId} in the copy.`;
  const lines = versions.map((v) => {
    const until = v.validTo === null ? 'now' : new Date(v.validTo).toISOString();
    return `${new Date(v.validFrom).toISOString()} until ${until.padEnd(24)} ${v.source.padEnd(9)} ${oneLine(v)}`;
  });
  const count = `${versions.length} version${versions.length === 1 ? '' : 's'}`;
  return [`History of ${userId}: ${count}, each from the time the copy observed it`, ...lines].join('\n');
}

function oneLine(v: UserVersion): string {
  const s = summary(v);
  if (v.deleted) return 'deleted';
  return [
    s.status ?? 'unknown status',
    `roles: ${s.roles.join(', ') || 'none'}`,
    `tenants: ${tenantsText(s.tenants) || 'none'}`,
    `custom attributes: ${attributesText(s.customAttributes) || 'none'}`,
  ].join('; ');
}

function stateLines(userId: string, when: string, v: UserVersion | undefined, first: UserVersion | undefined): string {
  if (!v) {
    return first
      ? `${userId} at ${when}: not in the copy yet (its first version is from ${new Date(first.validFrom).toISOString()})`
      : `No history of ${userId} in the copy.`;
  }
  const s = summary(v);
  const until = v.validTo === null ? 'now' : new Date(v.validTo).toISOString();
  const lines = [
    `${userId} at ${when}: ${s.status ?? 'unknown status'}`,
    `  version from ${new Date(v.validFrom).toISOString()} until ${until} (written by ${v.source})`,
  ];
  if (v.deleted) return lines.join('\n');
  if (v.stateRefused) lines.push(`  state not stored (the server refused it): ${v.stateRefused}`);
  lines.push(
    `  roles: ${s.roles.join(', ') || 'none'}`,
    `  tenants: ${tenantsText(s.tenants) || 'none'}`,
    `  custom attributes: ${attributesText(s.customAttributes) || 'none'}`,
  );
  return lines.join('\n');
}

function tenantsText(tenants: ReturnType<typeof summary>['tenants']): string {
  return tenants
    .map((t) => `${t.tenantId}${t.tenantName ? ` (${t.tenantName})` : ''} [${t.roles.join(', ')}]`)
    .join(', ');
}

function attributesText(attributes: Record<string, unknown>): string {
  return Object.entries(attributes)
    .map(([k, value]) => `${k}=${JSON.stringify(value)}`)
    .join(', ');
}
