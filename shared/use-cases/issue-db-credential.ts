import { randomBytes } from 'node:crypto';
import { UnprocessableError } from '#domain/errors.ts';
import { DEFAULT_EXCLUDED_CHARACTERS } from '#domain/rotation.ts';
import type { Caller } from '#ports/ports.ts';
import {
  adminLogin,
  CREDENTIAL_PREFIX,
  CREDENTIAL_REPLACED,
  CREDENTIAL_TAGS,
  type CredentialPorts,
  type IssueInput,
  listDbCredentials,
  TEMPLATE_ROLE_TAG,
} from './db-credentials.ts';
import { recordedChange } from './recorded-change.ts';

/**
 * Issues a short-lived PostgreSQL login: a role WITH LOGIN, VALID UNTIL now + ttl, member of the
 * template role, stored as a secret tagged with its expiry. The secret goes first, so a role is
 * never made that the revoker cannot find; if the role cannot be made, the secret is removed. The
 * role is made under its audit intent (recorded-change.ts; credential-probes.ts tells whether it stood).
 * The answer names the secret, never the password.
 */
export async function issueDbCredential(ports: CredentialPorts, caller: Caller, input: IssueInput) {
  const master = await ports.secrets.describe(input.database);
  const template = master.tags[TEMPLATE_ROLE_TAG];
  if (!template)
    throw new UnprocessableError('no_template_role', `the master secret has no ${TEMPLATE_ROLE_TAG} tag naming the role to copy grants from`, 'database');
  const admin = adminLogin((await ports.secrets.getValue(master.arn)).value);
  const now = ports.clock.now();
  const expiresAt = new Date(now.getTime() + input.ttlMinutes * 60_000);
  const username = `hms_${input.service.replace(/-/g, '_').slice(0, 40)}_${randomBytes(4).toString('hex')}`;
  const password = await ports.secrets.randomPassword({ length: 32, excludeCharacters: DEFAULT_EXCLUDED_CHARACTERS });
  const value = JSON.stringify({ engine: 'postgres', host: admin.host, port: admin.port, dbname: admin.database, username, password });
  const { arn } = await ports.secrets.create({
    name: `${CREDENTIAL_PREFIX}/${input.service}/${username}`,
    value,
    description: `hms-sys one-time PostgreSQL login for ${input.service}, valid until ${expiresAt.toISOString()}`,
    tags: {
      [CREDENTIAL_TAGS.kind]: 'postgres',
      [CREDENTIAL_TAGS.service]: input.service,
      [CREDENTIAL_TAGS.database]: master.arn,
      [CREDENTIAL_TAGS.role]: username,
      [CREDENTIAL_TAGS.expiresAt]: expiresAt.toISOString(),
    },
  });
  const issued = { arn, service: input.service, database: master.arn, username, expiresAt: expiresAt.toISOString() };
  // The login is the change: its secret (whose ARN names the record) holds nothing usable until the role exists.
  const plan = {
    action: 'db-credential.issue',
    target: `secret/${arn}`,
    before: null,
    after: issued,
    outcome: 'success' as const,
    reasons: [`role ${username} joins ${template}, valid for ${input.ttlMinutes} min`],
    serviceName: input.service,
    probe: { kind: 'db-credential' as const, secretArn: arn, service: input.service, database: master.arn, role: username, issued: true },
  };
  await recordedChange(ports, caller, plan, async () => {
    try {
      await ports.database.createLoginRole(admin, username, password, { memberOf: template, validUntil: expiresAt });
    } catch (err) {
      await ports.secrets.delete(arn).catch(() => undefined);
      throw err;
    }
  });
  const earlier = (await listDbCredentials(ports, input.service)).filter((c) => c.database === master.arn && c.arn !== arn);
  if (earlier.length > 0 && ports.events) {
    await ports.events.publish([{ detailType: CREDENTIAL_REPLACED, detail: { service: input.service, secret: arn, versionId: username }, resources: [arn] }]);
  }
  return issued;
}
