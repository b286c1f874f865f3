import { describe, expect, it } from 'vitest';
import { PostgresDatabase } from '#adapters/aws/postgres-database.ts';
import type { DatabaseLogin } from '#ports/database.ts';
import { useSandbox } from './sandbox-fixture.ts';

const sb = useSandbox({ postgres: true, sweepMinutes: 600, revokeMinutes: 600 });
const database = new PostgresDatabase();

const loginFrom = (value: string): DatabaseLogin => {
  const s = JSON.parse(value) as { host: string; port: number; dbname: string; username: string; password: string };
  return { host: s.host, port: s.port, database: s.dbname, username: s.username, password: s.password };
};

async function adminSql(text: string) {
  const { Client } = (await import('pg')).default;
  const admin = sb.sandbox.secrets.postgres!.admin;
  const client = new Client({ host: admin.host, port: admin.port, database: admin.database, user: admin.username, password: admin.password });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

describe('secret rotation through the sandbox', () => {
  let secretArn = '';
  let masterArn = '';

  it('rotates a database password over HTTP, and restarts the Deployment that reads it once per rotation', async () => {
    const pg = sb.sandbox.secrets.postgres!;
    await adminSql(`CREATE ROLE app_reader NOLOGIN; CREATE ROLE app LOGIN PASSWORD 'first-pass' IN ROLE app_reader`);
    const store = sb.sandbox.secrets.secrets;
    const created = await store.create({
      name: 'benefits/eligibility-db',
      value: JSON.stringify({ engine: 'postgres', host: pg.host, port: pg.port, dbname: 'postgres', username: 'app', password: 'first-pass' }),
      tags: { 'hms:rotation-strategy': 'postgres-single-user', 'hms:rotation-policy': '24h' },
    });
    secretArn = created.arn;
    await store.enableRotation(secretArn, { rotateEvery: '24h' });
    masterArn = (
      await store.create({
        name: 'benefits/postgres-master',
        value: JSON.stringify({
          engine: 'postgres',
          host: pg.host,
          port: pg.port,
          dbname: 'postgres',
          username: pg.admin.username,
          password: pg.admin.password,
        }),
        tags: { 'hms:template-role': 'app_reader' },
      })
    ).arn;
    const service = await sb.http('POST', '/services', {
      name: 'eligibility-api',
      cluster: 'sandbox',
      namespace: 'benefits',
      deployment: 'eligibility-api',
      tags: { agency: 'ED', program: 'FSA', fiscalYear: 'FY2026' },
      secrets: [secretArn],
    });
    expect(service.status).toBe(201);

    for (const round of [1, 2]) {
      // 202: RotateSecret only starts the rotation; the version it names becomes AWSCURRENT when it succeeds.
      const rotated = await sb.http('POST', '/secrets/rotate', { secret: secretArn });
      expect(rotated.status).toBe(202);
      expect(rotated.body).toEqual({ secret: secretArn, rotationStarted: true, versionId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
      await sb.sandbox.bus.drain();
      const current = await store.getValue(secretArn);
      expect(current.versionId).toBe(rotated.body.versionId);
      expect(await database.canLogIn(loginFrom(current.value))).toBe(true);
      expect(sb.sandbox.k8s.state.templateAnnotations('benefits', 'eligibility-api')).toMatchObject({ 'hms.sys/secret-version': current.versionId });
      expect(sb.sandbox.k8s.state.restarts('benefits', 'eligibility-api')).toBe(round);
    }
    expect(await database.canLogIn({ ...loginFrom((await store.getValue(secretArn)).value), password: 'first-pass' })).toBe(false);

    const listed = await sb.http('GET', '/secrets');
    expect(listed.body.secrets).toEqual([expect.objectContaining({ arn: secretArn, strategy: 'postgres-single-user', health: 'ok' })]);
  });

  it('answers POST /secrets/rotate before the rotation runs, so the audit trail has the request before the restart it caused', async () => {
    const restartsBefore = sb.sandbox.k8s.state.restarts('benefits', 'eligibility-api');
    const rotated = await sb.http('POST', '/secrets/rotate', { secret: secretArn });
    expect(rotated.status).toBe(202);
    const versionId = rotated.body.versionId as string;
    await sb.sandbox.bus.drain();
    expect(sb.sandbox.k8s.state.restarts('benefits', 'eligibility-api')).toBe(restartsBefore + 1);

    type Row = { action: string; time: string; after: Record<string, unknown> | null };
    const records = (await sb.http('GET', '/audit?limit=100')).body.records as Row[];
    // Newest first: the request that started the rotation lies further down than the restart it caused.
    const rotateAt = records.findIndex((r) => r.action === 'secret.rotate' && r.after?.versionId === versionId);
    const restartAt = records.findIndex((r) => r.action === 'secret.restart' && r.after?.['hms.sys/secret-version'] === versionId);
    expect(rotateAt).toBeGreaterThanOrEqual(0);
    expect(restartAt).toBeGreaterThanOrEqual(0);
    expect(restartAt).toBeLessThan(rotateAt);
    expect(Date.parse(records[rotateAt]!.time)).toBeLessThanOrEqual(Date.parse(records[restartAt]!.time));
  });

  it('refuses a service that declares a partial secret ARN, which rotation events would never match', async () => {
    const partial = secretArn.slice(0, -7);
    const answer = await sb.http('POST', '/services', {
      name: 'partial-arn-api',
      cluster: 'sandbox',
      namespace: 'benefits',
      deployment: 'eligibility-api',
      tags: { agency: 'ED', program: 'FSA', fiscalYear: 'FY2026' },
      secrets: [partial],
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({
      code: 'validation_failed',
      field: 'secrets.0',
      message: expect.stringMatching(/full Secrets Manager secret ARN.*rotation events carry the full ARN/),
    });
    expect((await sb.http('GET', '/services/partial-arn-api')).status).toBe(404);
  });

  it('answers 409 while a rotation is in progress, whose secret lists as rotating, not stuck', async () => {
    const store = sb.sandbox.secrets.secrets;
    await store.putValue(secretArn, 'in-flight-token', '{}', ['AWSPENDING']);
    const refused = await sb.http('POST', '/secrets/rotate', { secret: secretArn });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'conflict', field: 'secret', message: expect.stringContaining('in-flight-token is AWSPENDING') });
    const listed = (await sb.http('GET', '/secrets')).body.secrets.find((s: { arn: string }) => s.arn === secretArn);
    expect(listed).toMatchObject({ health: 'rotating', pendingVersion: 'in-flight-token' });
    await store.updateStage(secretArn, 'AWSPENDING', { fromVersionId: 'in-flight-token' });
  });

  it('issues a short-lived database login, lists it and revokes it', async () => {
    const issued = await sb.http('POST', '/db-credentials', { service: 'eligibility-api', database: masterArn, ttlMinutes: 60 });
    expect(issued.status).toBe(201);
    expect(issued.body).toMatchObject({ service: 'eligibility-api', username: expect.stringMatching(/^hms_eligibility_api_/) });
    expect(JSON.stringify(issued.body)).not.toMatch(/password/i);
    const login = loginFrom((await sb.sandbox.secrets.secrets.getValue(issued.body.arn)).value);
    expect(await database.canLogIn(login)).toBe(true);

    const listed = await sb.http('GET', '/db-credentials?service=eligibility-api');
    expect(listed.body.credentials.map((c: { arn: string }) => c.arn)).toEqual([issued.body.arn]);

    // A second login for the same database replaces the first: the service's Deployment restarts onto it.
    const restartsBefore = sb.sandbox.k8s.state.restarts('benefits', 'eligibility-api');
    const replacement = await sb.http('POST', '/db-credentials', { service: 'eligibility-api', database: masterArn, ttlMinutes: 60 });
    await sb.sandbox.bus.drain();
    expect(sb.sandbox.k8s.state.restarts('benefits', 'eligibility-api')).toBe(restartsBefore + 1);
    expect(sb.sandbox.k8s.state.templateAnnotations('benefits', 'eligibility-api')).toMatchObject({ 'hms.sys/secret-version': replacement.body.username });

    const revoked = await sb.http('POST', '/db-credentials/revoke', { arn: issued.body.arn });
    expect(revoked.body).toEqual({ revoked: [issued.body.arn], failures: [] });
    expect(await database.canLogIn(login)).toBe(false);
  });

  it.each([
    [
      'a TTL of zero',
      { service: 'eligibility-api', database: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:x-AbCdEf', ttlMinutes: 0 },
      400,
      'ttlMinutes',
    ],
    ['an unknown service', { service: 'nope', database: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:x-AbCdEf' }, 404, 'service'],
    ['a database that is not an ARN', { service: 'eligibility-api', database: "x'; DROP ROLE app; --" }, 400, 'database'],
  ])('refuses %s', async (_label, body, status, field) => {
    const answer = await sb.http('POST', '/db-credentials', body);
    expect(answer.status).toBe(status);
    expect(answer.body.error).toMatchObject({ field });
  });
});
