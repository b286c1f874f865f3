import { ValidationError } from './errors.ts';

/** Secrets Manager's four rotation steps, in order. */
export const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
export type RotationStep = (typeof ROTATION_STEPS)[number];

/** Tags that put a secret under hms-sys rotation. */
export const STRATEGY_TAG = 'hms:rotation-strategy';
export const POLICY_TAG = 'hms:rotation-policy';
/** Characters a generated value must not contain; defaults to those that break connection strings and shells. */
export const EXCLUDE_TAG = 'hms:exclude-characters';
export const DEFAULT_EXCLUDED_CHARACTERS = '/@"\'\\';
export const DEFAULT_POLICY = '24h';
/** A master secret (named by `masterarn` for alternating users) carries this tag, so the rotation function may read it. */
export const MASTER_TAG = 'hms:rotation-master';
/** The master secret names the role whose grants issued roles get. */
export const TEMPLATE_ROLE_TAG = 'hms:template-role';

export const STRATEGIES = ['random-token', 'postgres-single-user', 'postgres-alternating-users'] as const;
export type RotationStrategyName = (typeof STRATEGIES)[number];

/** What Secrets Manager sends the rotation function. */
export interface RotationEvent {
  SecretId: string;
  ClientRequestToken: string;
  Step: RotationStep;
}

/** Secrets Manager cannot rotate more often than every 4 hours. */
export const MIN_ROTATION_HOURS = 4;
/** The Secrets Manager user guide's longest rotation period. */
const MAX_ROTATION_DAYS = 999;

export interface RotationPolicy {
  hours: number;
  /** The schedule in Secrets Manager's rate() form. */
  scheduleExpression: string;
}

/** Reads a policy such as `24h` or `7d`: at least 4 hours, at most 1,000 days. */
export function parseRotationPolicy(text: string | undefined): RotationPolicy {
  const match = /^([1-9][0-9]*)(h|d)$/.exec((text ?? DEFAULT_POLICY).trim());
  if (!match) throw new ValidationError(`${POLICY_TAG} must look like 24h or 7d, got "${text}"`, POLICY_TAG);
  const amount = Number(match[1]);
  const hours = match[2] === 'd' ? amount * 24 : amount;
  if (hours < MIN_ROTATION_HOURS)
    throw new ValidationError(`${POLICY_TAG} must be at least ${MIN_ROTATION_HOURS}h: Secrets Manager rotates no more often`, POLICY_TAG);
  if (hours > MAX_ROTATION_DAYS * 24) throw new ValidationError(`${POLICY_TAG} must be at most ${MAX_ROTATION_DAYS}d`, POLICY_TAG);
  const scheduleExpression = hours % 24 === 0 ? `rate(${hours / 24} ${hours === 24 ? 'day' : 'days'})` : `rate(${hours} hours)`;
  return { hours, scheduleExpression };
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * The latest moment a rate() schedule rotates after a rotation at `from`: the close of the
 * rotation window the next rotation falls in. Secrets Manager rotates at a random time inside
 * the window and reports this close as NextRotationDate ("the latest date that rotation will
 * occur", DescribeSecret). With no Duration, windows of rate(N days) are the whole UTC day N
 * days on; windows of rate(N hours) open at midnight UTC and every N hours after, and close an
 * hour later. https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_schedule.html
 */
export function rotationWindowClose(from: Date, hours: number): Date {
  const due = from.getTime() + hours * HOUR_MS;
  const dayStart = Math.floor(due / DAY_MS) * DAY_MS;
  if (hours % 24 === 0) return new Date(dayStart + DAY_MS);
  const period = hours * HOUR_MS;
  return new Date(dayStart + Math.floor((due - dayStart) / period) * period + HOUR_MS);
}

export function strategyOf(tags: Record<string, string>): RotationStrategyName {
  const name = tags[STRATEGY_TAG];
  if (!name) throw new ValidationError(`the secret has no ${STRATEGY_TAG} tag: one of ${STRATEGIES.join(', ')}`, STRATEGY_TAG);
  if (!(STRATEGIES as readonly string[]).includes(name)) {
    throw new ValidationError(`${STRATEGY_TAG} "${name}" is not one of ${STRATEGIES.join(', ')}`, STRATEGY_TAG);
  }
  return name as RotationStrategyName;
}

/** Checks the event Secrets Manager sent; an unknown step is refused by name. */
export function parseRotationEvent(event: unknown): RotationEvent {
  const e = (event ?? {}) as Record<string, unknown>;
  for (const field of ['SecretId', 'ClientRequestToken', 'Step'] as const) {
    if (typeof e[field] !== 'string' || e[field] === '') throw new ValidationError(`the rotation event has no ${field}`, field);
  }
  if (!(ROTATION_STEPS as readonly string[]).includes(e.Step as string)) {
    throw new ValidationError(`unknown rotation step "${String(e.Step)}": expected one of ${ROTATION_STEPS.join(', ')}`, 'Step');
  }
  return e as unknown as RotationEvent;
}

/** A PostgreSQL secret, in the JSON shape AWS documents for database secrets. */
export interface PostgresSecret {
  engine: 'postgres';
  host: string;
  port: number;
  dbname: string;
  username: string;
  password: string;
  /** The ARN of the secret holding the superuser that manages the alternating users. */
  masterarn?: string;
  [other: string]: unknown;
}

export function parsePostgresSecret(value: string, label: string): PostgresSecret {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(value) as Record<string, unknown>;
  } catch {
    throw new ValidationError(`${label} is not JSON`);
  }
  for (const field of ['host', 'username', 'password'] as const) {
    if (typeof parsed[field] !== 'string' || parsed[field] === '') throw new ValidationError(`${label} has no ${field}`, field);
  }
  const port = Number(parsed.port ?? 5432);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new ValidationError(`${label} has no valid port`, 'port');
  return { ...parsed, engine: 'postgres', port, dbname: String(parsed.dbname ?? 'postgres') } as PostgresSecret;
}

const CLONE_SUFFIX = '_clone';

/** The other user of an alternating pair: `app` ↔ `app_clone`. */
export function alternateUsername(username: string): string {
  return username.endsWith(CLONE_SUFFIX) ? username.slice(0, -CLONE_SUFFIX.length) : `${username}${CLONE_SUFFIX}`;
}
