import { describe, expect, it } from 'vitest';
import { useSandbox } from './sandbox-fixture.ts';

/** A sandbox started without --postgres: the db-secret route refuses, and checks its input and scope first. */
const t = useSandbox();

describe('POST /sandbox/db-secrets without PostgreSQL', () => {
  it('answers 422 postgres_not_started, saying how to start it', async () => {
    const answer = await t.http('POST', '/sandbox/db-secrets', { name: 'benefits/receipt-db', strategy: 'single-user' });
    expect(answer.status).toBe(422);
    expect(answer.body.error).toEqual({
      code: 'postgres_not_started',
      message: 'the sandbox runs no PostgreSQL: start it with npm start -- --postgres',
      field: null,
    });
    expect(await t.sandbox.secrets.secrets.listByTags({})).toEqual([]);
  });

  it.each([
    [{ name: 'benefits/receipt-db', strategy: 'rotating' }, 'strategy'],
    [{ name: 'bad name!', strategy: 'single-user' }, 'name'],
    [{ name: 'benefits/receipt-db', strategy: 'single-user', username: 'Receipt' }, 'username'],
    [{ name: 'benefits/receipt-db', strategy: 'single-user', extra: 1 }, 'extra'],
    [{ name: 'benefits/receipt-db', strategy: 'single-user', policy: '1h' }, 'policy'],
  ])('refuses %j with 400 naming %s', async (body, field) => {
    const answer = await t.http('POST', '/sandbox/db-secrets', body);
    expect(answer.status).toBe(400);
    expect(answer.body.error.field).toBe(field);
  });

  it('needs hms/secrets.write', async () => {
    const reader = await t.sandbox.issueToken(['hms/rules.read', 'hms/secrets.read'], 'dev-reader');
    expect((await t.http('POST', '/sandbox/db-secrets', { name: 'benefits/receipt-db', strategy: 'single-user' }, reader)).status).toBe(403);
  });
});
