import { beforeAll, describe, expect, it } from 'vitest';
import { PostgresDatabase, scramVerifier } from '#adapters/aws/postgres-database.ts';
import { type DatabaseLogin, DatabaseUnavailableError } from '#ports/database.ts';
import { usePostgres } from './postgres-fixture.ts';

const pg = usePostgres();
const database = new PostgresDatabase();
const TEMPLATE = 'app_template';
const HOUR_MS = 3_600_000;

let roleCount = 0;
/** A new role name per test, so tests do not share roles. */
const freshRole = (prefix = 'app') => `${prefix}_${++roleCount}`;
const loginAs = (username: string, password: string): DatabaseLogin => ({ ...pg.admin, username, password });

beforeAll(async () => {
  await pg.query(pg.admin, `CREATE ROLE ${TEMPLATE} NOLOGIN`);
  await pg.query(pg.admin, 'CREATE TABLE widgets (name text)');
  await pg.query(pg.admin, "INSERT INTO widgets VALUES ('sprocket')");
  await pg.query(pg.admin, `GRANT SELECT ON widgets TO ${TEMPLATE}`);
  await pg.query(pg.admin, `GRANT CREATE ON SCHEMA public TO ${TEMPLATE}`);
});

describe('PostgresDatabase logins and passwords', () => {
  it('accepts the right password and refuses a wrong one', async () => {
    const role = freshRole();
    await database.createLoginRole(pg.admin, role, 'right', { memberOf: TEMPLATE });
    expect(await database.canLogIn(loginAs(role, 'right'))).toBe(true);
    expect(await database.canLogIn(loginAs(role, 'wrong'))).toBe(false);
    expect(await database.canLogIn(loginAs('nobody_here', 'right'))).toBe(false);
  });

  it('after setPassword the new password works and the old one fails', async () => {
    const role = freshRole();
    await database.createLoginRole(pg.admin, role, 'old-password', { memberOf: TEMPLATE });
    await database.setPassword(pg.admin, role, 'new-password');
    expect(await database.canLogIn(loginAs(role, 'old-password'))).toBe(false);
    expect(await database.canLogIn(loginAs(role, 'new-password'))).toBe(true);
  });

  it('sends a SCRAM verifier, never the password, for ASCII passwords', async () => {
    // Were the password sent in clear, the admin's md5 setting would make the server store an md5 hash.
    const role = freshRole();
    await pg.query(pg.admin, `ALTER ROLE ${pg.admin.username} SET password_encryption = 'md5'`);
    try {
      await database.createLoginRole(pg.admin, role, 'plain-ascii', { memberOf: TEMPLATE });
    } finally {
      await pg.query(pg.admin, `ALTER ROLE ${pg.admin.username} RESET password_encryption`);
    }
    const [row] = await pg.query<{ rolpassword: string }>(pg.admin, 'SELECT rolpassword FROM pg_authid WHERE rolname = $1', [role]);
    expect(row!.rolpassword).toMatch(/^SCRAM-SHA-256\$4096:/);
    expect(await database.canLogIn(loginAs(role, 'plain-ascii'))).toBe(true);
  });

  it('computes the verifier PostgreSQL computes for the same salt', async () => {
    // The server's own verifier, re-derived here from its salt, must match byte for byte.
    const role = freshRole();
    await pg.query(pg.admin, `CREATE ROLE ${role} LOGIN PASSWORD 'server-hashed'`);
    const [row] = await pg.query<{ rolpassword: string }>(pg.admin, 'SELECT rolpassword FROM pg_authid WHERE rolname = $1', [role]);
    const salt = Buffer.from(row!.rolpassword.split('$')[1]!.split(':')[1]!, 'base64');
    expect(await scramVerifier('server-hashed', salt)).toBe(row!.rolpassword);
  });

  it('lets the server hash a password beyond ASCII, which then works', async () => {
    const role = freshRole();
    await database.createLoginRole(pg.admin, role, 'pässwörd-日本', { memberOf: TEMPLATE });
    expect(await database.canLogIn(loginAs(role, 'pässwörd-日本'))).toBe(true);
    expect(await database.canLogIn(loginAs(role, 'passwort'))).toBe(false);
  });

  it('throws DatabaseUnavailableError when nothing listens, and for an admin it cannot log in as', async () => {
    const closedPort = { ...pg.admin, port: 1 };
    await expect(database.canLogIn(closedPort)).rejects.toBeInstanceOf(DatabaseUnavailableError);
    await expect(database.roleExists({ ...pg.admin, password: 'wrong' }, TEMPLATE)).rejects.toBeInstanceOf(DatabaseUnavailableError);
  });

  it('rejects names PostgreSQL would truncate or cannot hold, and NUL in passwords', async () => {
    await expect(database.roleExists(pg.admin, 'r'.repeat(64))).rejects.toThrow(/1 to 63 bytes/);
    await expect(database.roleExists(pg.admin, '')).rejects.toThrow(/1 to 63 bytes/);
    await expect(database.setPassword(pg.admin, TEMPLATE, 'a\0b')).rejects.toThrow(/NUL/);
    expect(await database.roleExists(pg.admin, 'r'.repeat(63))).toBe(false);
  });
});

describe('PostgresDatabase login roles', () => {
  it('refuses a role whose VALID UNTIL has passed', async () => {
    const role = freshRole();
    await database.createLoginRole(pg.admin, role, 'pw', { memberOf: TEMPLATE, validUntil: new Date(Date.now() - HOUR_MS) });
    expect(await database.roleExists(pg.admin, role)).toBe(true);
    expect(await database.canLogIn(loginAs(role, 'pw'))).toBe(false);
  });

  it('accepts a role valid for another hour, with the template role grants and the expiry stored', async () => {
    const role = freshRole();
    const validUntil = new Date(Math.floor(Date.now() / 1000) * 1000 + HOUR_MS);
    await database.createLoginRole(pg.admin, role, 'pw', { memberOf: TEMPLATE, validUntil });
    expect(await database.canLogIn(loginAs(role, 'pw'))).toBe(true);
    expect(await pg.query(loginAs(role, 'pw'), 'SELECT name FROM widgets')).toEqual([{ name: 'sprocket' }]);
    const [row] = await pg.query<{ rolvaliduntil: Date }>(pg.admin, 'SELECT rolvaliduntil FROM pg_roles WHERE rolname = $1', [role]);
    expect(row!.rolvaliduntil.getTime()).toBe(validUntil.getTime());
  });

  it('refuses to create a role that exists already', async () => {
    const role = freshRole();
    await database.createLoginRole(pg.admin, role, 'pw', { memberOf: TEMPLATE });
    await expect(database.createLoginRole(pg.admin, role, 'pw2', { memberOf: TEMPLATE })).rejects.toMatchObject({ code: '42710' });
    expect(await database.canLogIn(loginAs(role, 'pw'))).toBe(true);
  });

  it('without the template role nothing is created', async () => {
    const role = freshRole();
    await expect(database.createLoginRole(pg.admin, role, 'pw', { memberOf: 'no_such_template' })).rejects.toMatchObject({ code: '42704' });
    expect(await database.roleExists(pg.admin, role)).toBe(false);
  });
});

describe('PostgresDatabase dropRole', () => {
  it('ends an open session of the role and drops it', async () => {
    const role = freshRole();
    await database.createLoginRole(pg.admin, role, 'pw', { memberOf: TEMPLATE });
    const session = await pg.connect(loginAs(role, 'pw'));
    try {
      await session.query('SELECT 1');
      await database.dropRole(pg.admin, role);
      expect(await database.roleExists(pg.admin, role)).toBe(false);
      await expect(session.query('SELECT 1')).rejects.toThrow();
      const left = await pg.query(pg.admin, 'SELECT pid FROM pg_stat_activity WHERE usename = $1', [role]);
      expect(left).toEqual([]);
    } finally {
      await session.end().catch(() => {});
    }
  });

  it('hands what the role owns to the admin, then drops it', async () => {
    const role = freshRole();
    await database.createLoginRole(pg.admin, role, 'pw', { memberOf: TEMPLATE });
    await pg.query(loginAs(role, 'pw'), `CREATE TABLE ${role}_notes (body text)`);
    await database.dropRole(pg.admin, role);
    expect(await database.roleExists(pg.admin, role)).toBe(false);
    const [owner] = await pg.query<{ tableowner: string }>(pg.admin, 'SELECT tableowner FROM pg_tables WHERE tablename = $1', [`${role}_notes`]);
    expect(owner!.tableowner).toBe(pg.admin.username);
  });

  it('is fine when the role is absent, and leaves other roles alone', async () => {
    const kept = freshRole();
    await database.createLoginRole(pg.admin, kept, 'pw', { memberOf: TEMPLATE });
    await database.dropRole(pg.admin, freshRole('never_created'));
    expect(await database.roleExists(pg.admin, kept)).toBe(true);
    expect(await database.canLogIn(loginAs(kept, 'pw'))).toBe(true);
  });
});

describe('PostgresDatabase quoting', () => {
  const hostileNames = [`x"; DROP ROLE victim; --`, `a"b\\c'd`, `'||pg_sleep(1)||'`, `Mixed Case "quoted"`, `x'); DROP ROLE victim; --`];
  const hostilePasswords = [`'||pg_sleep(1)||'`, `it's "quoted" \\ back\\slash`, `'; DROP ROLE victim; --`, `$$ $tag$ E'\\x00'`, 'pässwört\'"'];

  beforeAll(async () => {
    await database.createLoginRole(pg.admin, 'victim', 'victim-pw', { memberOf: TEMPLATE });
  });

  it.each(hostileNames.map((name, i) => [name, hostilePasswords[i]!]))('creates, logs in, rotates and drops %s as a name', async (role, password) => {
    await database.createLoginRole(pg.admin, role, password, { memberOf: TEMPLATE, validUntil: new Date(Date.now() + HOUR_MS) });
    expect(await database.roleExists(pg.admin, role)).toBe(true);
    expect(await database.canLogIn(loginAs(role, password))).toBe(true);
    await database.setPassword(pg.admin, role, `${password}-next`);
    expect(await database.canLogIn(loginAs(role, password))).toBe(false);
    expect(await database.canLogIn(loginAs(role, `${password}-next`))).toBe(true);
    await database.dropRole(pg.admin, role);
    expect(await database.roleExists(pg.admin, role)).toBe(false);

    expect(await database.roleExists(pg.admin, 'victim')).toBe(true);
    expect(await database.roleExists(pg.admin, TEMPLATE)).toBe(true);
    expect(await database.canLogIn(loginAs('victim', 'victim-pw'))).toBe(true);
  });

  it('stores the exact name, quotes included, not a lookalike', async () => {
    const role = `Quote"d'Name`;
    await database.createLoginRole(pg.admin, role, 'pw', { memberOf: TEMPLATE });
    const rows = await pg.query(pg.admin, 'SELECT rolname FROM pg_roles WHERE rolname ILIKE $1', ['quote%']);
    expect(rows).toEqual([{ rolname: role }]);
    await database.dropRole(pg.admin, role);
  });

  // The first travels as a verifier, the second (beyond ASCII) as a quoted literal.
  it.each([`x' VALID UNTIL '2000-01-01`, `ä' VALID UNTIL '2000-01-01`])('runs no clause the password %s smuggles in', async (password) => {
    const role = freshRole();
    await database.createLoginRole(pg.admin, role, password, { memberOf: TEMPLATE });
    const [row] = await pg.query<{ rolvaliduntil: Date | null }>(pg.admin, 'SELECT rolvaliduntil FROM pg_roles WHERE rolname = $1', [role]);
    expect(row!.rolvaliduntil).toBeNull();
    expect(await database.canLogIn(loginAs(role, password))).toBe(true);
  });
});
