import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { describePostgres, findClusterPostgres, postgresTarget } from '../../src/servers';

describe('the PostgreSQL of the Temporal cluster', () => {
  it('TEMPORAL_POSTGRES_URL gives host, port, user, password, admin database and driver attributes', () => {
    const target = postgresTarget({
      TEMPORAL_POSTGRES_URL: 'postgresql://tem%40p:s3cr%2Ft@db.example:6543/admin?sslmode=require',
    });
    expect(target).toMatchObject({
      host: 'db.example',
      port: 6543,
      user: 'tem@p',
      password: 's3cr/t',
      adminDatabase: 'admin',
      connectAttributes: { sslmode: 'require' },
      source: 'TEMPORAL_POSTGRES_URL',
    });
    expect(describePostgres(target)).toBe('tem@p@db.example:6543');
    expect(describePostgres(target)).not.toContain('s3cr');
  });

  it('unset, it is the local server with trust auth; a URL of another kind is refused by name', () => {
    expect(postgresTarget({})).toMatchObject({ host: '127.0.0.1', port: 5432, user: 'postgres', password: '' });
    expect(() => postgresTarget({ TEMPORAL_POSTGRES_URL: 'mysql://root@db:3306' })).toThrow(/TEMPORAL_POSTGRES_URL/);
  });

  it('with nothing listening and TEMPORAL_POSTGRES_URL unset, says why the cluster cannot run', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    const found = await findClusterPostgres({}, `postgres://postgres@127.0.0.1:${port}/postgres`);
    expect(found.target).toBeUndefined();
    expect(found.reason).toContain(`127.0.0.1:${port}`);
    expect(found.reason).toContain('TEMPORAL_POSTGRES_URL is unset');
    // Set, it is used even when unreachable: the cluster's start then fails loudly instead of skipping.
    const set = await findClusterPostgres({ TEMPORAL_POSTGRES_URL: `postgres://u@127.0.0.1:${port}/x` });
    expect(set.target?.port).toBe(port);
  });
});
