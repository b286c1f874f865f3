import * as z from 'zod/mini';
import { PostgresDatabase } from '#adapters/aws/postgres-database.ts';
import type { EmbeddedPostgres } from '#adapters/local/embedded-postgres.ts';
import type { LocalSecretStore } from '#adapters/local/local-secret-store.ts';
import { ConflictError, UnprocessableError, ValidationError } from '#domain/errors.ts';
import { DEFAULT_EXCLUDED_CHARACTERS, DEFAULT_POLICY, MASTER_TAG, POLICY_TAG, parseRotationPolicy, STRATEGY_TAG, TEMPLATE_ROLE_TAG } from '#domain/rotation.ts';
import { parseInput } from '#domain/validation.ts';
import { knownErrorAnswer } from '#functions/http/error-table.ts';
import { readBody } from '#functions/http/http.ts';
import type { Database } from '#ports/database.ts';
import { SecretNotFoundError } from '#ports/errors.ts';
import type { SandboxRoute } from './api-server.ts';

/** The master secret alternating users rotate with: the embedded server's superuser, tagged so the rotation function may read it. */
export const SANDBOX_MASTER_SECRET = 'hms-sys/sandbox/postgres-master';
/**
 * What a new login may do: read every table (PostgreSQL's predefined role, since 14), standing in
 * for the grants an application's user would have. https://www.postgresql.org/docs/current/predefined-roles.html
 */
export const SANDBOX_LOGIN_GRANTS = 'pg_read_all_data';

const STRATEGY_TAGS = { 'single-user': 'postgres-single-user', 'alternating-users': 'postgres-alternating-users' } as const;

/** Room for the `_clone` the alternating strategy adds, inside PostgreSQL's 63-byte names. */
const username = z
  .string()
  .check(z.regex(/^[a-z_][a-z0-9_]{0,56}$/, 'must be a PostgreSQL name of at most 57 lowercase letters, digits and _, not starting with a digit'));

export const dbSecretSchema = z.strictObject({
  name: z.string().check(z.regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, 'must be a secret name: 1 to 512 of A-Z a-z 0-9 / _ + = . @ -')),
  strategy: z.optional(z.enum(['single-user', 'alternating-users'], 'must be single-user or alternating-users')),
  username: z.optional(username),
  policy: z.optional(z.string()),
  /** Instead of a strategy: a master secret for short-lived logins, whose members join this role. */
  templateRole: z.optional(
    z.string().check(z.regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a PostgreSQL name of at most 63 lowercase letters, digits and _, not starting with a digit')),
  ),
});
export type DbSecretInput = z.infer<typeof dbSecretSchema>;

/** The login's name from the secret's: its last part, e.g. benefits/eligibility-db → eligibility_db. */
export function usernameFor(secretName: string): string {
  const base = (secretName.split('/').filter(Boolean).at(-1) ?? 'app').toLowerCase().replace(/[^a-z0-9_]/g, '_');
  return (/^[0-9]/.test(base) ? `_${base}` : base).slice(0, 57);
}

export interface DbSecretParts {
  secrets: LocalSecretStore;
  postgres: EmbeddedPostgres | null;
  database?: Database;
}

/**
 * What an operator does by hand before hms-sys rotates a database secret, done for the sandbox's
 * embedded PostgreSQL: a login with a random password, and a secret in AWS's JSON shape for
 * database secrets, tagged with its strategy and policy, rotation on. Alternating users also get
 * the master secret their rotation needs (made once, then reused). The answer never holds a password.
 */
export async function createDbSecret(parts: DbSecretParts, input: DbSecretInput) {
  const { secrets, postgres } = parts;
  if (input.templateRole !== undefined) {
    const extra = (['strategy', 'username', 'policy'] as const).find((key) => input[key] !== undefined);
    if (extra)
      throw new ValidationError(
        `${extra} does not go with templateRole: a master secret for short-lived logins is not rotated and logs in as the superuser`,
        extra,
      );
    return createTemplateMaster(parts, input.name, input.templateRole);
  }
  if (!input.strategy) throw new ValidationError('strategy is required (single-user or alternating-users), or templateRole for a master secret', 'strategy');
  const policy = input.policy ?? DEFAULT_POLICY;
  try {
    parseRotationPolicy(policy);
  } catch (err) {
    throw new ValidationError(`policy ${(err as Error).message.replace(`${POLICY_TAG} `, '')}`, 'policy');
  }
  if (!postgres) throw new UnprocessableError('postgres_not_started', 'the sandbox runs no PostgreSQL: start it with npm start -- --postgres');
  const database = parts.database ?? new PostgresDatabase();
  const user = input.username ?? usernameFor(input.name);
  if (await exists(secrets, input.name)) throw new ConflictError(`a secret named ${input.name} already exists`, 'name');
  const admin = postgres.admin;
  if (await database.roleExists(admin, user)) throw new ConflictError(`PostgreSQL already has a role ${user}: choose another with --username`, 'username');
  const masterArn = input.strategy === 'alternating-users' ? await masterSecret(secrets, postgres) : undefined;

  const password = await secrets.randomPassword({ length: 32, excludeCharacters: DEFAULT_EXCLUDED_CHARACTERS });
  await database.createLoginRole(admin, user, password, { memberOf: SANDBOX_LOGIN_GRANTS });
  const value = {
    engine: 'postgres',
    host: postgres.host,
    port: postgres.port,
    dbname: admin.database,
    username: user,
    password,
    ...(masterArn ? { masterarn: masterArn } : {}),
  };
  let arn: string;
  try {
    ({ arn } = await secrets.create({
      name: input.name,
      value: JSON.stringify(value),
      description: `sandbox PostgreSQL login ${user}`,
      tags: { [STRATEGY_TAG]: STRATEGY_TAGS[input.strategy], [POLICY_TAG]: policy },
    }));
  } catch (err) {
    await database.dropRole(admin, user).catch(() => undefined);
    throw err;
  }
  await secrets.enableRotation(arn, { rotateEvery: policy });
  return {
    arn,
    name: input.name,
    strategy: STRATEGY_TAGS[input.strategy],
    policy,
    username: user,
    host: postgres.host,
    port: postgres.port,
    dbname: admin.database,
    ...(masterArn ? { masterArn } : {}),
  };
}

async function exists(secrets: LocalSecretStore, name: string): Promise<boolean> {
  try {
    await secrets.describe(name);
    return true;
  } catch (err) {
    if (err instanceof SecretNotFoundError) return false;
    throw err;
  }
}

async function masterSecret(secrets: LocalSecretStore, postgres: EmbeddedPostgres): Promise<string> {
  if (await exists(secrets, SANDBOX_MASTER_SECRET)) return (await secrets.describe(SANDBOX_MASTER_SECRET)).arn;
  const { admin } = postgres;
  const value = { engine: 'postgres', host: postgres.host, port: postgres.port, dbname: admin.database, username: admin.username, password: admin.password };
  const { arn } = await secrets.create({
    name: SANDBOX_MASTER_SECRET,
    value: JSON.stringify(value),
    description: 'the sandbox PostgreSQL superuser',
    tags: { [MASTER_TAG]: 'true' },
  });
  return arn;
}

/**
 * A master secret for `db-credentials issue`: the superuser's login, tagged hms:template-role with
 * a role the issued logins join. The role is made if it does not exist, with the grants of
 * SANDBOX_LOGIN_GRANTS, as a login whose random password is kept nowhere (the Database port makes
 * login roles only), so no one logs in as it.
 */
async function createTemplateMaster(parts: DbSecretParts, name: string, templateRole: string) {
  const { secrets, postgres } = parts;
  if (!postgres) throw new UnprocessableError('postgres_not_started', 'the sandbox runs no PostgreSQL: start it with npm start -- --postgres');
  if (await exists(secrets, name)) throw new ConflictError(`a secret named ${name} already exists`, 'name');
  const database = parts.database ?? new PostgresDatabase();
  const { admin } = postgres;
  const roleCreated = !(await database.roleExists(admin, templateRole));
  if (roleCreated) {
    const unused = await secrets.randomPassword({ length: 32, excludeCharacters: DEFAULT_EXCLUDED_CHARACTERS });
    await database.createLoginRole(admin, templateRole, unused, { memberOf: SANDBOX_LOGIN_GRANTS });
  }
  const value = { engine: 'postgres', host: postgres.host, port: postgres.port, dbname: admin.database, username: admin.username, password: admin.password };
  let arn: string;
  try {
    ({ arn } = await secrets.create({
      name,
      value: JSON.stringify(value),
      description: `the sandbox PostgreSQL superuser, issuing short-lived logins that join ${templateRole}`,
      tags: { [MASTER_TAG]: 'true', [TEMPLATE_ROLE_TAG]: templateRole },
    }));
  } catch (err) {
    if (roleCreated) await database.dropRole(admin, templateRole).catch(() => undefined);
    throw err;
  }
  return { arn, name, templateRole, roleCreated, grants: SANDBOX_LOGIN_GRANTS, host: postgres.host, port: postgres.port, dbname: admin.database };
}

/** POST /sandbox/db-secrets, beside the other sandbox-only routes. */
export function dbSecretRoutes(parts: DbSecretParts): Record<string, SandboxRoute> {
  return {
    'POST /sandbox/db-secrets': {
      scope: 'hms/secrets.write',
      run: async ({ body }) => {
        try {
          const input = parseInput(dbSecretSchema, readBody({ body, isBase64Encoded: false }));
          return { status: 201, body: await createDbSecret(parts, input) };
        } catch (err) {
          const known = knownErrorAnswer(err);
          if (known) return known;
          throw err;
        }
      },
    },
  };
}
