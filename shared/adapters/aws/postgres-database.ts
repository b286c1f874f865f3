import { createHash, createHmac, pbkdf2, randomBytes } from 'node:crypto';
import type { ConnectionOptions } from 'node:tls';
import { promisify } from 'node:util';
import type { Client, DatabaseError } from 'pg';
import { type Database, type DatabaseLogin, DatabaseUnavailableError } from '#ports/database.ts';

export interface PostgresDatabaseOptions {
  /** TLS for every connection (RDS: verify with its CA bundle). Omitted: plain TCP, for loopback. */
  ssl?: boolean | ConnectionOptions;
  /** How long a login may take before the server counts as unavailable. Default 5 s. */
  connectTimeoutMs?: number;
  /** The server cancels a statement that runs longer. Default 30 s. */
  statementTimeoutMs?: number;
}

/** node-postgres, loaded on first use: a caller that never reaches PostgreSQL does not pay its start-up. */
let pgModule: Promise<typeof import('pg').default> | undefined;
const loadPg = () => (pgModule ??= import('pg').then((module) => module.default));

/** How long dropRole waits for each of the role's sessions to end. */
const TERMINATE_WAIT_MS = 5_000;
/** PostgreSQL truncates longer identifiers silently, which would make DDL and lookups disagree. */
const MAX_IDENTIFIER_BYTES = 63;
/** SQLSTATEs of a refused login: invalid_password, invalid_authorization_specification. */
const LOGIN_REFUSED = new Set(['28P01', '28000']);

/**
 * The Database port on node-postgres (pure JavaScript). One short connection per call.
 * Statements with names or secrets are built by the server's format() (%I, %L) from bind
 * parameters, then run; nothing is spliced in here. ASCII passwords travel as a SCRAM verifier
 * computed here, so the server (its logs, pg_stat_activity) never sees them in clear.
 */
export class PostgresDatabase implements Database {
  readonly #options: PostgresDatabaseOptions;

  constructor(options: PostgresDatabaseOptions = {}) {
    this.#options = options;
  }

  async canLogIn(login: DatabaseLogin): Promise<boolean> {
    let client: Client | undefined;
    try {
      client = await this.#connect(login);
      await client.query('SELECT 1');
      return true;
    } catch (err) {
      if (LOGIN_REFUSED.has(sqlState(err) ?? '')) return false;
      throw unavailable(login, err);
    } finally {
      await client?.end().catch(() => {});
    }
  }

  async setPassword(admin: DatabaseLogin, role: string, password: string): Promise<void> {
    checkIdentifier(role);
    const secret = await passwordForServer(password);
    await this.#asAdmin(admin, (client) => runFormatted(client, 'ALTER ROLE %I WITH PASSWORD %L', role, secret));
  }

  async createLoginRole(admin: DatabaseLogin, role: string, password: string, options: { memberOf: string; validUntil?: Date }): Promise<void> {
    checkIdentifier(role);
    checkIdentifier(options.memberOf);
    const secret = await passwordForServer(password);
    const until = options.validUntil === undefined ? undefined : timestampLiteral(options.validUntil);
    await this.#asAdmin(admin, (client) =>
      until === undefined
        ? runFormatted(client, 'CREATE ROLE %I WITH LOGIN INHERIT PASSWORD %L IN ROLE %I', role, secret, options.memberOf)
        : runFormatted(client, 'CREATE ROLE %I WITH LOGIN INHERIT PASSWORD %L VALID UNTIL %L IN ROLE %I', role, secret, until, options.memberOf),
    );
  }

  /**
   * Refuses new logins, ends the role's sessions, then drops it. When the role owns objects or
   * holds grants, these move to the admin (REASSIGN OWNED, DROP OWNED) and the drop is retried:
   * both act in the admin's database only, so anything in another database still blocks the drop.
   */
  async dropRole(admin: DatabaseLogin, role: string): Promise<void> {
    checkIdentifier(role);
    await this.#asAdmin(admin, async (client) => {
      try {
        await runFormatted(client, 'ALTER ROLE %I WITH NOLOGIN', role);
      } catch (err) {
        if (sqlState(err) === '42704') return; // undefined_object: absent already
        throw err;
      }
      await client.query('SELECT pg_terminate_backend(pid, $2) FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid()', [
        role,
        TERMINATE_WAIT_MS,
      ]);
      try {
        await runFormatted(client, 'DROP ROLE IF EXISTS %I', role);
      } catch (err) {
        if (sqlState(err) !== '2BP01') throw err; // dependent_objects_still_exist
        await runFormatted(client, 'REASSIGN OWNED BY %I TO CURRENT_USER', role);
        await runFormatted(client, 'DROP OWNED BY %I', role);
        await runFormatted(client, 'DROP ROLE IF EXISTS %I', role);
      }
    });
  }

  async roleExists(admin: DatabaseLogin, role: string): Promise<boolean> {
    checkIdentifier(role);
    return this.#asAdmin(admin, async (client) => {
      const result = await client.query<{ found: boolean }>('SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) AS found', [role]);
      return result.rows[0]?.found === true;
    });
  }

  async #connect(login: DatabaseLogin): Promise<Client> {
    const pg = await loadPg();
    const client = new pg.Client({
      host: login.host,
      port: login.port,
      database: login.database,
      user: login.username,
      password: login.password,
      ssl: this.#options.ssl,
      connectionTimeoutMillis: this.#options.connectTimeoutMs ?? 5_000,
      statement_timeout: this.#options.statementTimeoutMs ?? 30_000,
      application_name: 'hms-sys',
    });
    // A session ended by the server must not become an uncaught 'error' event.
    client.on('error', () => {});
    try {
      await client.connect();
      return client;
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    }
  }

  /** Runs `work` on an admin session; failing to connect, or losing the server, is DatabaseUnavailableError. */
  async #asAdmin<T>(admin: DatabaseLogin, work: (client: Client) => Promise<T>): Promise<T> {
    let client: Client;
    try {
      client = await this.#connect(admin);
    } catch (err) {
      throw unavailable(admin, err);
    }
    try {
      return await work(client);
    } catch (err) {
      throw isConnectionFailure(err, (await loadPg()).DatabaseError) ? unavailable(admin, err) : err;
    } finally {
      await client.end().catch(() => {});
    }
  }
}

/** Builds the statement with the server's format() from bind parameters, then runs it. */
async function runFormatted(client: Client, template: string, ...args: string[]): Promise<void> {
  const built = await client.query<{ statement: string }>('SELECT format($1, VARIADIC $2::text[]) AS statement', [template, args]);
  await client.query(built.rows[0]!.statement);
}

/** What the server stores for `password`: a SCRAM-SHA-256 verifier for ASCII, else the password for the server to hash. */
async function passwordForServer(password: string): Promise<string> {
  if (password.includes('\0')) throw new TypeError('a password cannot contain NUL');
  // SASLprep, which the server applies before hashing, leaves ASCII as it is; beyond ASCII it may not.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the range is ASCII without NUL, control characters included on purpose
  return /^[\x01-\x7f]*$/.test(password) ? scramVerifier(password) : password;
}

const SCRAM_ITERATIONS = 4096;

/** The SCRAM-SHA-256 verifier PostgreSQL stores (RFC 5802, RFC 7677): iterations:salt$StoredKey:ServerKey. */
export async function scramVerifier(password: string, salt: Buffer = randomBytes(16)): Promise<string> {
  const salted = await promisify(pbkdf2)(password, salt, SCRAM_ITERATIONS, 32, 'sha256');
  const hmac = (text: string) => createHmac('sha256', salted).update(text).digest();
  const storedKey = createHash('sha256').update(hmac('Client Key')).digest();
  const serverKey = hmac('Server Key');
  return `SCRAM-SHA-256$${SCRAM_ITERATIONS}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

function checkIdentifier(name: string): void {
  if (name.length === 0 || name.includes('\0') || Buffer.byteLength(name, 'utf8') > MAX_IDENTIFIER_BYTES) {
    throw new TypeError(`a role name must be 1 to ${MAX_IDENTIFIER_BYTES} bytes without NUL`);
  }
}

function timestampLiteral(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new TypeError('validUntil is not a valid date');
  return date.toISOString();
}

function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A lost connection or a server going away (classes 08, 53, 57P), as opposed to a statement's own error. */
function isConnectionFailure(err: unknown, databaseError: typeof DatabaseError): boolean {
  return !(err instanceof databaseError) || /^(08|53|57P)/.test(err.code ?? '');
}

function unavailable(login: DatabaseLogin, cause: unknown): DatabaseUnavailableError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new DatabaseUnavailableError(`PostgreSQL at ${login.host}:${login.port} as ${login.username}: ${reason}`, { cause });
}
