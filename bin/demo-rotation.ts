// Plays chapter 22's rotation story against its own sandbox and an embedded PostgreSQL: a
// DB-backed secret rotates twice over HTTP (the old password stops working, the new one works,
// the Deployment that reads it restarts once per rotation), then a 1-minute login is issued and
// the revoker drops it once the sandbox clock passes its expiry. Exits 0 only if every check held.
// No password is ever printed.
import { quietSdkNodeVersionWarning } from './sdk-node-warning.ts';

process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
quietSdkNodeVersionWarning();

const { randomBytes } = await import('node:crypto');
const { default: pg } = await import('pg');
const { PostgresDatabase } = await import('#adapters/aws/postgres-database.ts');
const { OffsetClock } = await import('#adapters/local/offset-clock.ts');
const { parsePostgresSecret } = await import('#domain/rotation.ts');
const { SECRET_VERSION_ANNOTATION } = await import('#ports/cluster.ts');
const { startSandbox } = await import('#sandbox/sandbox.ts');
const { apiClient } = await import('./client.ts');
type DatabaseLogin = import('#ports/database.ts').DatabaseLogin;

const SERVICE = 'eligibility-api';
const NAMESPACE = 'benefits';
const APP_USER = 'eligibility_app';
const TEMPLATE_ROLE = 'app_reader';
const TABLE = 'benefit_programs';
/** Real seconds a rolling restart may take before the demo gives up. */
const ROLLOUT_LIMIT_MS = 15_000;

const clock = new OffsetClock();
const wallStart = Date.now();
const sandbox = await startSandbox({
  clock,
  persistState: false,
  postgres: true,
  podReadyDelayMs: 100,
  reconcileSeconds: 3_600,
  alarmEvaluationSeconds: 3_600,
  meterSeconds: 3_600,
  burstTickSeconds: 3_600,
  sweepMinutes: 600,
  revokeMinutes: 600,
});
const api = apiClient(sandbox.url, sandbox.tokens.admin!);
const store = sandbox.secrets.secrets;
const database = new PostgresDatabase();
const sim = sandbox.k8s.state;
const start = clock.now().getTime();
const say = (text: string) => console.log(`\n${text}`);
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sandbox time since the demo began, e.g. "T+0.4 s" or "T+2 min 00 s". */
function since(time: number): string {
  const ms = time - start;
  if (ms < 60_000) return `T+${(ms / 1000).toFixed(1)} s`.padEnd(14);
  const s = Math.round(ms / 1000);
  return `T+${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`.padEnd(14);
}
const at = (text: string) => console.log(`   ${since(clock.now().getTime())} ${text}`);

const failed: string[] = [];
function check(held: boolean, claim: string): void {
  console.log(`   ${' '.repeat(14)} ${held ? '✔' : '✘'} ${claim}`);
  if (!held) failed.push(claim);
}

/** A version id, shortened for the timeline. */
const short = (versionId: string | undefined) => (versionId ? versionId.slice(0, 8) : '(none)');
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

const loginOf = (value: string): DatabaseLogin => {
  const s = parsePostgresSecret(value, 'the secret');
  return { host: s.host, port: s.port, database: s.dbname, username: s.username, password: s.password };
};

/** Runs statements as `login`; the rows of the last one. */
async function sql(login: DatabaseLogin, text: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ host: login.host, port: login.port, database: login.database, user: login.username, password: login.password });
  client.on('error', () => {});
  await client.connect();
  try {
    const result = await client.query(text);
    return (Array.isArray(result) ? result.at(-1)! : result).rows;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Rows of the demo table that `login` can read, or null when the login or the read is refused. */
const readableRows = (login: DatabaseLogin) =>
  sql(login, `SELECT count(*)::int AS n FROM ${TABLE}`).then(
    (rows) => rows[0]!.n as number,
    () => null,
  );

/** Waits until the consumer's rolling restart has finished: every pod of the new template Ready. */
async function rolledOut(completed: number): Promise<{ ready: number; replicas: number }> {
  const deadline = Date.now() + ROLLOUT_LIMIT_MS;
  for (;;) {
    sim.advance();
    const deployment = sim.deployment(NAMESPACE, SERVICE)!;
    if (sim.completedRollouts(NAMESPACE, SERVICE) >= completed && !deployment.rollingOut) {
      return { ready: sim.readyCount(deployment), replicas: deployment.replicas };
    }
    if (Date.now() > deadline) throw new Error(`the rolling restart of ${NAMESPACE}/${SERVICE} did not finish in ${ROLLOUT_LIMIT_MS / 1000} s`);
    await wait(50);
  }
}

interface SecretRow {
  arn: string;
  name: string;
  strategy: string;
  policy: string;
  health: string;
  detail: string;
  lastRotatedAt: string | null;
}
interface Credential {
  arn: string;
  service: string;
  username: string;
  expiresAt: string;
}

let ok = false;
try {
  const postgres = sandbox.secrets.postgres!;
  const admin = postgres.admin;
  say(`1. PostgreSQL ${postgres.host}:${postgres.port}: a table, a template role with SELECT on it, and the app's user`);
  await sql(
    admin,
    `CREATE TABLE ${TABLE} (code text PRIMARY KEY, name text NOT NULL);
    INSERT INTO ${TABLE} VALUES ('PELL', 'Federal Pell Grant'), ('FSEOG', 'Federal Supplemental Educational Opportunity Grant'), ('FWS', 'Federal Work-Study');
    CREATE ROLE ${TEMPLATE_ROLE} NOLOGIN;
    GRANT SELECT ON ${TABLE} TO ${TEMPLATE_ROLE}`,
  );
  const firstPassword = randomBytes(18).toString('base64url');
  await database.createLoginRole(admin, APP_USER, firstPassword, { memberOf: TEMPLATE_ROLE });
  at(`table ${TABLE} (3 rows); role ${TEMPLATE_ROLE} NOLOGIN with SELECT on it; user ${APP_USER} LOGIN IN ROLE ${TEMPLATE_ROLE}`);

  say("2. Secrets Manager (the sandbox's local one): the app's DB secret and the master secret");
  const where = { engine: 'postgres', host: postgres.host, port: postgres.port, dbname: admin.database };
  const { arn: secretArn } = await store.create({
    name: `${NAMESPACE}/eligibility-db`,
    value: JSON.stringify({ ...where, username: APP_USER, password: firstPassword }),
    tags: { 'hms:rotation-strategy': 'postgres-single-user', 'hms:rotation-policy': '24h' },
  });
  await store.enableRotation(secretArn, { rotateEvery: '24h' });
  at(`${secretArn}`);
  at('   hms:rotation-strategy=postgres-single-user, hms:rotation-policy=24h, rotation enabled');
  const { arn: masterArn } = await store.create({
    name: `${NAMESPACE}/postgres-master`,
    value: JSON.stringify({ ...where, username: admin.username, password: admin.password }),
    tags: { 'hms:template-role': TEMPLATE_ROLE },
  });
  at(`${masterArn}`);
  at(`   hms:template-role=${TEMPLATE_ROLE}: issued logins get ${TEMPLATE_ROLE}'s grants`);
  check(await database.canLogIn(loginOf((await store.getValue(secretArn)).value)), `${APP_USER} logs in with the secret's AWSCURRENT value`);

  say(`3. Register ${SERVICE} (Deployment ${NAMESPACE}/${SERVICE}) as a consumer of the secret`);
  await api.call('POST', '/services', {
    name: SERVICE,
    cluster: 'sandbox',
    namespace: NAMESPACE,
    deployment: SERVICE,
    tags: { agency: 'ED', program: 'FSA', fiscalYear: 'FY2026' },
    secrets: [secretArn],
  });
  const seeded = sim.deployment(NAMESPACE, SERVICE)!;
  at(
    `POST /services … "secrets": [the ARN]; ${seeded.replicas} pods, ${SECRET_VERSION_ANNOTATION}: ${short(sim.templateAnnotations(NAMESPACE, SERVICE)?.[SECRET_VERSION_ANNOTATION])}`,
  );

  say('4. Rotate the secret twice over HTTP (POST /secrets/rotate): createSecret, setSecret, testSecret, finishSecret');
  const oldLogins: DatabaseLogin[] = [];
  for (const round of [1, 2]) {
    const before = await store.getValue(secretArn);
    oldLogins.push(loginOf(before.value));
    // 202: the rotation started; it finishes asynchronously, as the version it names becoming AWSCURRENT.
    const started = (await api.call('POST', '/secrets/rotate', { secret: secretArn })) as { versionId: string };
    await sandbox.bus.drain();
    const after = await store.getValue(secretArn);
    const previous = await store.getValue(secretArn, { stage: 'AWSPREVIOUS' });
    at(
      `rotation ${round}: started ${short(started.versionId)}; AWSCURRENT ${short(before.versionId)} → ${short(after.versionId)}; ${short(previous.versionId)} is AWSPREVIOUS`,
    );
    check(after.versionId === started.versionId && previous.versionId === before.versionId, 'the version stages moved to the version the rotation started');
    check(!(await database.canLogIn(loginOf(before.value))), `the old password of ${APP_USER} is refused`);
    const rows = await readableRows(loginOf(after.value));
    check(rows === 3, `the new password logs in and reads ${TABLE} (${rows ?? 'refused'} rows)`);
    const annotation = sim.templateAnnotations(NAMESPACE, SERVICE)?.[SECRET_VERSION_ANNOTATION];
    const restarts = sim.restarts(NAMESPACE, SERVICE);
    at(`${NAMESPACE}/${SERVICE}: ${SECRET_VERSION_ANNOTATION}=${short(annotation)}, ${plural(restarts, 'restart')} so far`);
    check(restarts === round && annotation === after.versionId, `the Deployment restarted once for rotation ${round}, onto version ${short(after.versionId)}`);
    const rollout = await rolledOut(round);
    at(`rolling restart done: ${rollout.ready}/${rollout.replicas} pods Ready on the new pod template`);
    const row = ((await api.call('GET', '/secrets')) as { secrets: SecretRow[] }).secrets.find((s) => s.arn === secretArn);
    at(`GET /secrets: ${row?.name} health ${row?.health}, last rotated ${row?.lastRotatedAt}`);
    check(row?.health === 'ok' && row.lastRotatedAt !== null, 'the secret lists as ok, with its last rotation');
  }
  const refused = await Promise.all(oldLogins.map(async (login) => !(await database.canLogIn(login))));
  check(refused.every(Boolean), `neither earlier password logs in (${refused.filter(Boolean).length} of ${oldLogins.length} refused)`);
  check(sim.restarts(NAMESPACE, SERVICE) === 2, `2 rotations, ${plural(sim.restarts(NAMESPACE, SERVICE), 'restart')} of ${NAMESPACE}/${SERVICE}`);

  say('5. A 1-minute database login (POST /db-credentials, ttlMinutes 1)');
  const issued = (await api.call('POST', '/db-credentials', { service: SERVICE, database: masterArn, ttlMinutes: 1 })) as Credential;
  at(`issued ${issued.username}, expires ${issued.expiresAt}`);
  at(`   stored as ${issued.arn}`);
  check(!/password/i.test(JSON.stringify(issued)), 'the answer names the secret, never the password');
  const issuedLogin = loginOf((await store.getValue(issued.arn)).value);
  const issuedRows = await readableRows(issuedLogin);
  check(issuedRows === 3, `the login works and reads ${TABLE} through ${TEMPLATE_ROLE} (${issuedRows ?? 'refused'} rows)`);
  const revoke = async () => (await sandbox.secrets.revokeNow()) as { result?: { revoked: string[] }; error?: string };

  clock.advance(30_000);
  const early = await revoke();
  at(`the sandbox clock moves 30 s forward; the revoker runs: ${plural(early.result?.revoked.length ?? 0, 'login')} revoked`);
  check(early.result?.revoked.length === 0 && (await database.canLogIn(issuedLogin)), 'before its expiry the login is left alone and still works');

  clock.advance(90_000);
  at(`the sandbox clock moves to 2 minutes after issue, past ${issued.expiresAt}`);
  const late = await revoke();
  at(`the revoker runs: ${plural(late.result?.revoked.length ?? 0, 'login')} revoked${late.error ? ` (${late.error})` : ''}`);
  check(late.result?.revoked.includes(issued.arn) === true, `the revoker revoked ${issued.username}`);
  check(!(await database.roleExists(admin, issued.username)), `role ${issued.username} is dropped from PostgreSQL`);
  check(!(await database.canLogIn(issuedLogin)), 'its login is refused');
  const remaining = ((await api.call('GET', `/db-credentials?service=${SERVICE}`)) as { credentials: Credential[] }).credentials;
  check(remaining.length === 0, `GET /db-credentials lists no login for ${SERVICE}: its secret is deleted`);
  console.log("   (PostgreSQL also refuses the login from its VALID UNTIL, by the server's own clock: a real minute after issue)");

  say('6. The audit trail, oldest first');
  // Every stream: the rotations by request are on the system's, restarts and logins on the service's.
  const page = (await api.call('GET', '/audit?limit=50')) as { records: Array<{ time: string; actor: string; action: string; reasons: string[] }> };
  for (const r of page.records.reverse().filter((r) => /^(secret|db-credential)\./.test(r.action))) {
    const reason = (r.reasons[0] ?? '').replace(secretArn, `${NAMESPACE}/eligibility-db`).replace(/(version \w{8})[\w-]+/, '$1');
    console.log(`   ${r.time}  ${r.actor.padEnd(32)} ${r.action.padEnd(21)} ${reason}`);
  }

  ok = failed.length === 0;
  say(
    ok
      ? `✔ 2 rotations: each refused the old password, let the new one in and restarted ${SERVICE} once; the 1-minute login was revoked after its expiry`
      : `✘ ${plural(failed.length, 'check')} failed: ${failed.join('; ')}`,
  );
} catch (err) {
  console.error(`demo failed: ${(err as Error).message}`);
} finally {
  await sandbox.close();
}
console.log(`   (${((Date.now() - wallStart) / 1000).toFixed(1)} s of real time)`);
process.exit(ok ? 0 : 1);
