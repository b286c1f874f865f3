import { beforeAll, describe, expect, it } from 'vitest';
import { PostgresDatabase } from '#adapters/aws/postgres-database.ts';
import { LocalSecretStore } from '#adapters/local/local-secret-store.ts';
import { ROTATION_STEPS, type RotationStep } from '#domain/rotation.ts';
import type { DatabaseLogin } from '#ports/database.ts';
import { RotationInProgressError } from '#ports/errors.ts';
import type { RotationPorts } from '#ports/ports.ts';
import { AWSCURRENT, AWSPREVIOUS } from '#ports/secret-store.ts';
import { issueDbCredential } from '#use-cases/issue-db-credential.ts';
import { revokeDbCredentials } from '#use-cases/revoke-db-credentials.ts';
import { runRotationStep } from '#use-cases/rotate-secret.ts';
import { usePostgres } from '../adapters/postgres-fixture.ts';
import { MemoryAuditOutbox } from './memory-outbox.ts';
import { memoryPorts } from './memory-ports.ts';
import { MemoryAudit } from './memory-stores.ts';

const pgf = usePostgres();
const database = new PostgresDatabase();
let now = new Date();
const clock = { now: () => now };
const caller = { actor: 'dev-operator', requestId: 'req-1' };

function rotationEnv() {
  const store = new LocalSecretStore({ clock });
  const ports: RotationPorts = { secrets: store, database, audit: new MemoryAudit(), auditOutbox: new MemoryAuditOutbox(), clock };
  const runSteps = async (arn: string, token: string, steps: readonly RotationStep[] = ROTATION_STEPS) => {
    for (const Step of steps)
      await runRotationStep(ports, { SecretId: arn, ClientRequestToken: token, Step }, { actor: 'role/hms-sys-rotation', requestId: token });
  };
  store.setOnRotate((arn, token) => runSteps(arn, token));
  return { store, ports, runSteps };
}

const loginFrom = (value: string): DatabaseLogin => {
  const s = JSON.parse(value) as { host: string; port: number; dbname: string; username: string; password: string };
  return { host: s.host, port: s.port, database: s.dbname, username: s.username, password: s.password };
};
const secretFor = (username: string, password: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ engine: 'postgres', host: pgf.admin.host, port: pgf.admin.port, dbname: pgf.admin.database, username, password, ...extra });
const sql = (text: string) => pgf.query(pgf.admin, text);

beforeAll(async () => {
  await sql('CREATE TABLE claims (id int)');
  await sql('INSERT INTO claims VALUES (1)');
  await sql(`CREATE ROLE app_reader NOLOGIN`);
  await sql('GRANT SELECT ON claims TO app_reader');
});

describe('postgres-single-user', () => {
  it('changes the password in place: the new one works and the old one fails', async () => {
    await sql(`CREATE ROLE single LOGIN PASSWORD 'first-pass'`);
    const { store } = rotationEnv();
    const { arn } = await store.create({
      name: 'db/single',
      value: secretFor('single', 'first-pass'),
      tags: { 'hms:rotation-strategy': 'postgres-single-user' },
    });
    await store.enableRotation(arn, { rotateEvery: '24h' });
    await store.rotate(arn, 'tok-1');
    await store.settled();
    const current = loginFrom((await store.getValue(arn)).value);
    expect(current.password).not.toBe('first-pass');
    expect(await database.canLogIn(current)).toBe(true);
    expect(await database.canLogIn({ ...current, password: 'first-pass' })).toBe(false);
  });

  it.each(ROTATION_STEPS.map((step, i) => [step, i] as const))('completes when retried after a crash following %s', async (_step, crashAfter) => {
    const role = `crash_${crashAfter}`;
    await sql(`CREATE ROLE ${role} LOGIN PASSWORD 'before'`);
    const { store, runSteps } = rotationEnv();
    const { arn } = await store.create({ name: `db/${role}`, value: secretFor(role, 'before'), tags: { 'hms:rotation-strategy': 'postgres-single-user' } });
    await store.enableRotation(arn, { rotateEvery: '24h' });
    store.setOnRotate(async (secretArn, token) => {
      await runSteps(secretArn, token, ROTATION_STEPS.slice(0, crashAfter + 1));
      throw new Error('crash');
    });
    await store.rotate(arn, 'tok-1');
    await expect(store.settled()).rejects.toThrow('crash');
    // RotateSecret refuses even the same token while it is AWSPENDING; Secrets Manager's own retry runs the steps again with it.
    if (crashAfter < ROTATION_STEPS.length - 1) {
      await expect(store.rotate(arn, 'tok-1')).rejects.toBeInstanceOf(RotationInProgressError);
      await runSteps(arn, 'tok-1');
    }
    const current = await store.getValue(arn);
    expect(current.versionId).toBe('tok-1');
    expect(await database.canLogIn(loginFrom(current.value))).toBe(true);
  });

  it('rotates a user whose name and password carry quotes and SQL without injecting it', async () => {
    const nasty = `o'brien"; DROP ROLE app_reader; --`;
    await sql(`CREATE ROLE "o'brien""; DROP ROLE app_reader; --" LOGIN PASSWORD 'x''); DROP TABLE claims; --'`);
    const { store } = rotationEnv();
    const { arn } = await store.create({
      name: 'db/nasty',
      value: secretFor(nasty, `x'); DROP TABLE claims; --`),
      tags: { 'hms:rotation-strategy': 'postgres-single-user' },
    });
    await store.enableRotation(arn, { rotateEvery: '24h' });
    await store.rotate(arn, 'tok-1');
    await store.settled();
    expect(await database.canLogIn(loginFrom((await store.getValue(arn)).value))).toBe(true);
    expect(await database.roleExists(pgf.admin, 'app_reader')).toBe(true);
    expect(await sql('SELECT count(*)::int AS n FROM claims')).toEqual([{ n: 1 }]);
  });
});

describe('postgres-alternating-users', () => {
  it("makes the clone with the current user's grants, then takes turns, never breaking the user in use", async () => {
    await sql(`CREATE ROLE alt LOGIN PASSWORD 'alt-pass' IN ROLE app_reader`);
    const { store } = rotationEnv();
    const master = await store.create({ name: 'db/master', value: secretFor(pgf.admin.username, pgf.admin.password), tags: {} });
    const { arn } = await store.create({
      name: 'db/alt',
      value: secretFor('alt', 'alt-pass', { masterarn: master.arn }),
      tags: { 'hms:rotation-strategy': 'postgres-alternating-users' },
    });
    await store.enableRotation(arn, { rotateEvery: '24h' });

    await store.rotate(arn, 'tok-1');
    await store.settled();
    const clone = loginFrom((await store.getValue(arn)).value);
    expect(clone.username).toBe('alt_clone');
    expect(await pgf.query(clone, 'SELECT id FROM claims')).toEqual([{ id: 1 }]);
    expect(await database.canLogIn(loginFrom((await store.getValue(arn, { stage: AWSPREVIOUS })).value))).toBe(true);

    await store.rotate(arn, 'tok-2');
    await store.settled();
    const back = loginFrom((await store.getValue(arn)).value);
    expect(back.username).toBe('alt');
    expect(back.password).not.toBe('alt-pass');
    expect(await database.canLogIn(back)).toBe(true);
    expect(await database.canLogIn({ ...back, password: 'alt-pass' })).toBe(false);
    expect(await database.canLogIn(clone)).toBe(true);
    expect((await store.describe(arn)).versions['tok-2']).toEqual([AWSCURRENT]);
  });
});

describe('one-hour database credentials', () => {
  it("issues a login with the template role's grants that is refused once it expires and dropped by the revoker", async () => {
    const store = new LocalSecretStore({ clock });
    const { ports: memory } = memoryPorts();
    const ports = { secrets: store, database, audit: memory.audit, auditOutbox: memory.auditOutbox, clock };
    const master = await store.create({
      name: 'db/master-creds',
      value: secretFor(pgf.admin.username, pgf.admin.password),
      tags: { 'hms:template-role': 'app_reader' },
    });

    now = new Date();
    const live = await issueDbCredential(ports, caller, { service: 'eligibility-api', database: master.arn, ttlMinutes: 60 });
    expect(JSON.stringify(live)).not.toMatch(/password/);
    const liveLogin = loginFrom((await store.getValue(live.arn)).value);
    expect(await pgf.query(liveLogin, 'SELECT id FROM claims')).toEqual([{ id: 1 }]);

    // A 1-minute credential issued two minutes ago has expired: PostgreSQL refuses it.
    now = new Date(Date.now() - 2 * 60_000);
    const old = await issueDbCredential(ports, caller, { service: 'eligibility-api', database: master.arn, ttlMinutes: 1 });
    const oldLogin = loginFrom((await store.getValue(old.arn)).value);
    expect(await database.canLogIn(oldLogin)).toBe(false);

    now = new Date();
    const session = await pgf.connect(liveLogin);
    const result = await revokeDbCredentials(ports, caller);
    expect(result).toEqual({ revoked: [old.arn], failures: [] });
    expect(await database.roleExists(pgf.admin, old.username)).toBe(false);
    await expect(store.describe(old.arn)).rejects.toThrow();
    expect(await database.roleExists(pgf.admin, live.username)).toBe(true);

    await revokeDbCredentials(ports, caller, { only: live.arn });
    expect(await database.roleExists(pgf.admin, live.username)).toBe(false);
    await expect(session.query('SELECT 1')).rejects.toThrow();
    await session.end().catch(() => undefined);
    expect(memory.audit.records.map((r) => r.action)).toEqual(['db-credential.issue', 'db-credential.issue', 'db-credential.revoke', 'db-credential.revoke']);
  });
});
