import { parsePostgresSecret } from '#domain/rotation.ts';
import type { AuditLog } from '#ports/audit-log.ts';
import type { AuditOutbox } from '#ports/audit-outbox.ts';
import type { Clock } from '#ports/clock.ts';
import type { Database, DatabaseLogin } from '#ports/database.ts';
import type { EventPublisher } from '#ports/events.ts';
import type { SecretDescription, SecretStore } from '#ports/secret-store.ts';

// What issuing and revoking share. Issuing (issue-db-credential.ts) and revoking
// (revoke-db-credentials.ts) live apart, so the revoker loads no call that creates a secret: the
// IAM conformance test derives each function's grants from the modules it loads.

export interface CredentialPorts {
  secrets: SecretStore;
  database: Database;
  audit: AuditLog;
  auditOutbox: AuditOutbox;
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
export { TEMPLATE_ROLE_TAG } from '#domain/rotation.ts';

export interface IssueInput {
  service: string;
  /** ARN of the master secret: the PostgreSQL login that creates and drops roles. */
  database: string;
  ttlMinutes: number;
}

export const adminLogin = (value: string): DatabaseLogin => {
  const master = parsePostgresSecret(value, 'the master secret');
  return { host: master.host, port: master.port, database: master.dbname, username: master.username, password: master.password };
};

export async function listDbCredentials(ports: Pick<CredentialPorts, 'secrets'>, service?: string) {
  const secrets = await ports.secrets.listByTags({ [CREDENTIAL_TAGS.kind]: undefined, ...(service ? { [CREDENTIAL_TAGS.service]: service } : {}) });
  return secrets.map(describeCredential);
}

const ISSUED_ROLE = /^hms_[a-z0-9_]{1,40}_[0-9a-f]{8}$/;
export const isIssued = (c: ReturnType<typeof describeCredential>) =>
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
