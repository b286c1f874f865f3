import { beforeAll, describe, expect, it } from 'vitest';
import { PostgresDatabase } from '#adapters/aws/postgres-database.ts';
import { LocalSecretStore } from '#adapters/local/local-secret-store.ts';
import { credentialProbes } from '#use-cases/credential-probes.ts';
import { listDbCredentials } from '#use-cases/db-credentials.ts';
import { drainAuditOutbox } from '#use-cases/drain-audit-outbox.ts';
import { issueDbCredential } from '#use-cases/issue-db-credential.ts';
import { revokeDbCredentials } from '#use-cases/revoke-db-credentials.ts';
import { usePostgres } from '../adapters/postgres-fixture.ts';
import { type Crash, runMatrix, type Scenario } from './crash-harness.ts';
import { memoryPorts } from './memory-ports.ts';

/** The crash matrix (audit-crash-matrix.test.ts) for short-lived database logins, issued and revoked, on a real PostgreSQL. */

const pgf = usePostgres();
const database = new PostgresDatabase();
const caller = { actor: 'user/alice', requestId: 'req-crash' };
const GRACE_MS = 15 * 60_000;
const SERVICE = 'eligibility-api';
const WRAPPED = ['secrets', 'database', 'audit', 'auditOutbox'] as const;

function envOf() {
  const memory = memoryPorts(new Date());
  const secrets = new LocalSecretStore({ clock: memory.clock });
  const ports = { secrets, database, audit: memory.ports.audit, auditOutbox: memory.ports.auditOutbox, clock: memory.clock };
  return { clock: memory.clock, ports, master: '', issued: '' };
}
type Env = ReturnType<typeof envOf>;

async function withMaster(): Promise<Env> {
  const env = envOf();
  const value = JSON.stringify({
    engine: 'postgres',
    host: pgf.admin.host,
    port: pgf.admin.port,
    dbname: pgf.admin.database,
    username: pgf.admin.username,
    password: pgf.admin.password,
  });
  env.master = (await env.ports.secrets.create({ name: 'db/master-creds', value, tags: { 'hms:template-role': 'crash_reader' } })).arn;
  return env;
}

/** The login exists as its secret says: listed, and its role is in PostgreSQL. */
async function liveLogins(env: Env): Promise<string[]> {
  const listed = await listDbCredentials(env.ports, SERVICE);
  const live = await Promise.all(listed.map(async (c) => ((await database.roleExists(pgf.admin, c.username!)) ? c.arn : null)));
  return live.filter((arn): arn is string => arn !== null);
}

const scenario = (s: Pick<Scenario<Env>, 'name' | 'action' | 'setup' | 'run' | 'tookEffect'>): Scenario<Env> => ({
  ...s,
  recover: async (env) => {
    env.clock.current = new Date(env.clock.current.getTime() + GRACE_MS + 60_000);
    // The credential revoker's drain: the only function that reads master secrets.
    await drainAuditOutbox(env.ports, { probes: credentialProbes(env.ports), graceMs: GRACE_MS });
  },
  records: async (env) => env.ports.audit.records,
  outboxSize: async (env) => env.ports.auditOutbox.items.size,
});
const wrapped = (env: Env, crash: Crash) => crash.wrapAll(env.ports, WRAPPED);

const SCENARIOS: Scenario<Env>[] = [
  scenario({
    name: 'a database login issued',
    action: 'db-credential.issue',
    setup: withMaster,
    run: (env, crash) => issueDbCredential(wrapped(env, crash), caller, { service: SERVICE, database: env.master, ttlMinutes: 60 }),
    tookEffect: async (env) => (await liveLogins(env)).length === 1,
  }),
  scenario({
    name: 'a database login revoked',
    action: 'db-credential.revoke',
    setup: async () => {
      const env = await withMaster();
      env.issued = (await issueDbCredential(env.ports, caller, { service: SERVICE, database: env.master, ttlMinutes: 60 })).arn;
      return env;
    },
    run: (env, crash) => revokeDbCredentials(wrapped(env, crash), caller, { only: env.issued }),
    tookEffect: async (env) => !(await listDbCredentials(env.ports, SERVICE)).some((c) => c.arn === env.issued),
  }),
];

beforeAll(async () => {
  await pgf.query(pgf.admin, 'CREATE ROLE crash_reader NOLOGIN');
});

describe('the crash matrix, database logins: killed at any point between intent and record, each has exactly one record after recovery', () => {
  it.each(SCENARIOS.map((s) => [s.name, s] as const))('%s', async (_name, s) => {
    const outcomes = await runMatrix(s);
    expect(outcomes.slice(1).some((o) => o.endsWith('not'))).toBe(true);
    expect(outcomes.some((o) => o.endsWith('stood'))).toBe(true);
  });
});
