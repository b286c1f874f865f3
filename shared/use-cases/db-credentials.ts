import { randomBytes } from 'node:crypto';
import { DEFAULT_EXCLUDED_CHARACTERS, parsePostgresSecret } from '#domain/rotation.ts';
import { NotFoundError, UnprocessableError } from '#domain/errors.ts';
import type { AuditLog } from '#ports/audit-log.ts';
import type { Clock } from '#ports/clock.ts';
import type { Database, DatabaseLogin } from '#ports/database.ts';
import type { EventPublisher } from '#ports/events.ts';
import type { Caller } from '#ports/ports.ts';
import type { SecretDescription, SecretStore } from '#ports/secret-store.ts';
import { record } from './record.ts';

export interface CredentialPorts {
  secrets: SecretStore;
  database: Database;
  audit: AuditLog;
  clock: Clock;
  /** Where a replacement is announced, so the service's Deployment restarts onto it. */
  events?: EventPublisher;
}

/** Published when a service gets a new credential for a database it already had one for. */
export const CREDENTIAL_REPLACED = 'DbCredentialReplaced';

/** Tags that mark an issued credential and say when it must be gone. */
export const CREDENTIAL_TAGS = {
  kind: 'hms:credential',
  service: 'hms:service',
  database: 'hms:database',
  role: 'hms:role',
  expiresAt: 'hms:expires-at',
} as const;
/** The master secret names the role whose grants issued roles get. */
export const TEMPLATE_ROLE_TAG = 'hms:template-role';

export interface IssueInput {
  service: string;
  /** ARN of the master secret: the PostgreSQL login that creates and drops roles. */
  database: string;
  ttlMinutes: number;
}

const adminLogin = (value: string): DatabaseLogin => {
  const master = parsePostgresSecret(value, 'the master secret');
  return { host: master.host, port: master.port, database: master.dbname, username: master.username, password: master.password };
};

/**
 * Issues a short-lived PostgreSQL login: a role WITH LOGIN, VALID UNTIL now + ttl, member of the
 * template role, stored as a secret tagged with its expiry. The secret goes first, so a role is
 * never made that the revoker cannot find; if the role cannot be made, the secret is removed.
 * The answer names the secret, never the password.
 */
export async function issueDbCredential(ports: CredentialPorts, caller: Caller, input: IssueInput) {
  const master = await ports.secrets.describe(input.database);
  const template = master.tags[TEMPLATE_ROLE_TAG];
  if (!template) throw new UnprocessableError('no_template_role', `the master secret has no ${TEMPLATE_ROLE_TAG} tag naming the role to copy grants from`, 'database');
  const admin = adminLogin((await ports.secrets.getValue(master.arn)).value);
  const now = ports.clock.now();
  const expiresAt = new Date(now.getTime() + input.ttlMinutes * 60_000);
  const username = `hms_${input.service.replace(/-/g, '_').slice(0, 40)}_${randomBytes(4).toString('hex')}`;
  const password = await ports.secrets.randomPassword({ length: 32, excludeCharacters: DEFAULT_EXCLUDED_CHARACTERS });
  const value = JSON.stringify({ engine: 'postgres', host: admin.host, port: admin.port, dbname: admin.database, username, password });
  const { arn } = await ports.secrets.create({
    name: `${CREDENTIAL_PREFIX}/${input.service}/${username}`, value,
    description: `hms-sys one-time PostgreSQL login for ${input.service}, valid until ${expiresAt.toISOString()}`,
    tags: {
      [CREDENTIAL_TAGS.kind]: 'postgres', [CREDENTIAL_TAGS.service]: input.service, [CREDENTIAL_TAGS.database]: master.arn,
      [CREDENTIAL_TAGS.role]: username, [CREDENTIAL_TAGS.expiresAt]: expiresAt.toISOString(),
    },
  });
  try {
    await ports.database.createLoginRole(admin, username, password, { memberOf: template, validUntil: expiresAt });
  } catch (err) {
    await ports.secrets.delete(arn).catch(() => undefined);
    throw err;
  }
  const issued = { arn, service: input.service, database: master.arn, username, expiresAt: expiresAt.toISOString() };
  await record(ports, caller, {
    action: 'db-credential.issue', target: `secret/${arn}`, before: null, after: issued, outcome: 'success',
    reasons: [`role ${username} joins ${template}, valid for ${input.ttlMinutes} min`], serviceName: input.service,
  });
  const earlier = (await listDbCredentials(ports, input.service)).filter((c) => c.database === master.arn && c.arn !== arn);
  if (earlier.length > 0 && ports.events) {
    await ports.events.publish([{ detailType: CREDENTIAL_REPLACED, detail: { service: input.service, secret: arn, versionId: username }, resources: [arn] }]);
  }
  return issued;
}

export async function listDbCredentials(ports: Pick<CredentialPorts, 'secrets'>, service?: string) {
  const secrets = await ports.secrets.listByTags({ [CREDENTIAL_TAGS.kind]: undefined, ...(service ? { [CREDENTIAL_TAGS.service]: service } : {}) });
  return secrets.map(describeCredential);
}

const ISSUED_ROLE = /^hms_[a-z0-9_]{1,40}_[0-9a-f]{8}$/;
const isIssued = (c: ReturnType<typeof describeCredential>) =>
  c.name.startsWith(`${CREDENTIAL_PREFIX}/`) && ISSUED_ROLE.test(c.username ?? '') && c.database !== undefined;

/** The name prefix of every issued credential's secret. */
export const CREDENTIAL_PREFIX = 'hms-sys/db-credentials';

const describeCredential = (secret: SecretDescription) => ({
  name: secret.name,
  arn: secret.arn,
  service: secret.tags[CREDENTIAL_TAGS.service],
  database: secret.tags[CREDENTIAL_TAGS.database],
  username: secret.tags[CREDENTIAL_TAGS.role],
  expiresAt: secret.tags[CREDENTIAL_TAGS.expiresAt],
});

/**
 * Drops every issued role whose time is up (ending its sessions) and deletes its secret, so a
 * credential lives at most its TTL plus one revoker period. `only` revokes that one credential now.
 */
export async function revokeDbCredentials(ports: CredentialPorts, caller: Caller, options: { only?: string } = {}) {
  const now = ports.clock.now().getTime();
  const revoked: string[] = [];
  const failures: Array<{ arn: string; error: string }> = [];
  const credentials = await listDbCredentials(ports);
  if (options.only && !credentials.some((c) => c.arn === options.only)) throw new NotFoundError(`credential ${options.only}`, 'arn');
  for (const credential of credentials) {
    const due = options.only ? credential.arn === options.only : Date.parse(credential.expiresAt ?? '') <= now;
    if (!due) continue;
    // Tags alone could name any role: only a role hms-sys issued, in a secret it named, is dropped.
    if (!isIssued(credential)) {
      failures.push({ arn: credential.arn, error: 'not a credential hms-sys issued: its name or role does not have the hms-sys form' });
      continue;
    }
    try {
      const admin = adminLogin((await ports.secrets.getValue(credential.database!)).value);
      await ports.database.dropRole(admin, credential.username!);
      await ports.secrets.delete(credential.arn);
      revoked.push(credential.arn);
      await record(ports, caller, {
        action: 'db-credential.revoke', target: `secret/${credential.arn}`, before: credential, after: null, outcome: 'success',
        reasons: [options.only ? 'revoked on request' : `expired at ${credential.expiresAt}`], serviceName: credential.service,
      });
    } catch (err) {
      failures.push({ arn: credential.arn, error: (err as Error).message });
    }
  }
  return { revoked, failures };
}
