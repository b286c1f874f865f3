import {
  alternateUsername,
  DEFAULT_EXCLUDED_CHARACTERS,
  EXCLUDE_TAG,
  type PostgresSecret,
  parsePostgresSecret,
  type RotationStrategyName,
} from '#domain/rotation.ts';
import type { DatabaseLogin } from '#ports/database.ts';
import { SecretNotFoundError } from '#ports/errors.ts';
import type { RotationPorts } from '#ports/ports.ts';
import { AWSCURRENT, AWSPREVIOUS, type SecretDescription } from '#ports/secret-store.ts';

/** What a strategy knows of the secret it rotates. */
export interface RotationContext {
  ports: RotationPorts;
  secret: SecretDescription;
  token: string;
}

/** The strategy-specific parts of the four steps; the protocol around them is shared. */
export interface RotationStrategy {
  /** The value the pending version gets. */
  newValue(context: RotationContext, current: string): Promise<string>;
  /** Makes the pending value work where it is used; safe to repeat. */
  set(context: RotationContext, pending: string): Promise<void>;
  /** Proves the pending value works. */
  test(context: RotationContext, pending: string): Promise<void>;
}

export class RotationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RotationError';
  }
}

const password = (context: RotationContext) =>
  context.ports.secrets.randomPassword({ length: 32, excludeCharacters: context.secret.tags[EXCLUDE_TAG] ?? DEFAULT_EXCLUDED_CHARACTERS });

const loginOf = (secret: PostgresSecret): DatabaseLogin => ({
  host: secret.host,
  port: secret.port,
  database: secret.dbname,
  username: secret.username,
  password: secret.password,
});

async function valueAt(context: RotationContext, stage: string): Promise<string | null> {
  try {
    return (await context.ports.secrets.getValue(context.secret.arn, { stage })).value;
  } catch (err) {
    if (err instanceof SecretNotFoundError) return null;
    throw err;
  }
}

/** An opaque token: a new random value, nothing to set, nothing to test beyond its presence. */
const randomToken: RotationStrategy = {
  newValue: (context) => password(context),
  set: async () => undefined,
  test: async (_context, pending) => {
    if (pending.length === 0) throw new RotationError('the pending token is empty');
  },
};

/**
 * One database user whose password changes in place (ALTER ROLE). Setting logs in with the
 * pending password first (already set), then as AWSCURRENT, then as AWSPREVIOUS, so a crash
 * between the ALTER and finishSecret never locks the user out.
 */
const postgresSingleUser: RotationStrategy = {
  newValue: async (context, current) => JSON.stringify({ ...parsePostgresSecret(current, 'AWSCURRENT'), password: await password(context) }),
  async set(context, pendingValue) {
    const pending = parsePostgresSecret(pendingValue, 'AWSPENDING');
    const { database } = context.ports;
    if (await database.canLogIn(loginOf(pending))) return;
    for (const stage of [AWSCURRENT, AWSPREVIOUS]) {
      const value = await valueAt(context, stage);
      if (value === null) continue;
      const known = parsePostgresSecret(value, stage);
      if (known.username !== pending.username || known.host !== pending.host) continue;
      if (await database.canLogIn(loginOf(known))) {
        await database.setPassword(loginOf(known), pending.username, pending.password);
        return;
      }
    }
    throw new RotationError(`cannot log in to ${pending.host} as ${pending.username} with the AWSPENDING, AWSCURRENT or AWSPREVIOUS password`);
  },
  test: (context, pending) => testLogin(context, pending),
};

/**
 * Two users taking turns (`app`, `app_clone`): the one not in use gets a new password, made by
 * the superuser of the secret named in `masterarn`; the clone is created as a member of the
 * current user, so it holds the same grants. Sessions of the user in use are never disturbed.
 */
const postgresAlternatingUsers: RotationStrategy = {
  async newValue(context, current) {
    const secret = parsePostgresSecret(current, 'AWSCURRENT');
    if (!secret.masterarn) throw new RotationError('postgres-alternating-users needs masterarn: the ARN of the secret with the superuser');
    return JSON.stringify({ ...secret, username: alternateUsername(secret.username), password: await password(context) });
  },
  async set(context, pendingValue) {
    const pending = parsePostgresSecret(pendingValue, 'AWSPENDING');
    const { database, secrets } = context.ports;
    if (await database.canLogIn(loginOf(pending))) return;
    const master = parsePostgresSecret((await secrets.getValue(pending.masterarn!, { stage: AWSCURRENT })).value, 'the master secret');
    const admin = { ...loginOf(master), host: pending.host, port: pending.port, database: pending.dbname };
    if (await database.roleExists(admin, pending.username)) await database.setPassword(admin, pending.username, pending.password);
    else await database.createLoginRole(admin, pending.username, pending.password, { memberOf: alternateUsername(pending.username) });
  },
  test: (context, pending) => testLogin(context, pending),
};

async function testLogin(context: RotationContext, pendingValue: string): Promise<void> {
  const pending = parsePostgresSecret(pendingValue, 'AWSPENDING');
  if (!(await context.ports.database.canLogIn(loginOf(pending)))) {
    throw new RotationError(`the AWSPENDING login for ${pending.username} on ${pending.host} is refused`);
  }
}

export const STRATEGY_IMPLEMENTATIONS: Record<RotationStrategyName, RotationStrategy> = {
  'random-token': randomToken,
  'postgres-single-user': postgresSingleUser,
  'postgres-alternating-users': postgresAlternatingUsers,
};
