import { NotFoundError } from '#domain/errors.ts';
import type { Caller } from '#ports/ports.ts';
import { adminLogin, type CredentialPorts, isIssued, listDbCredentials } from './db-credentials.ts';
import { recordedChange } from './recorded-change.ts';

/**
 * Drops every issued role whose time is up (ending its sessions) and deletes its secret, so a
 * credential lives at most its TTL plus one revoker period. `only` revokes that one credential now.
 * Each revocation runs under its audit intent (recorded-change.ts; credential-probes.ts).
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
      const plan = {
        action: 'db-credential.revoke',
        target: `secret/${credential.arn}`,
        before: credential,
        after: null,
        outcome: 'success' as const,
        reasons: [options.only ? 'revoked on request' : `expired at ${credential.expiresAt}`],
        serviceName: credential.service,
        probe: {
          kind: 'db-credential' as const,
          secretArn: credential.arn,
          service: credential.service ?? '',
          database: credential.database!,
          role: credential.username!,
          issued: false,
        },
      };
      await recordedChange(ports, caller, plan, async () => {
        await ports.database.dropRole(admin, credential.username!);
        await ports.secrets.delete(credential.arn);
      });
      revoked.push(credential.arn);
    } catch (err) {
      failures.push({ arn: credential.arn, error: (err as Error).message });
    }
  }
  return { revoked, failures };
}
