import type { ChangeProbe } from '#ports/audit-outbox.ts';
import { adminLogin, type CredentialPorts, listDbCredentials } from './db-credentials.ts';
import type { ProbeAnswer } from './drain-audit-outbox.ts';

/**
 * Whether a short-lived login's issue or revocation stood, with what the credential revoker may
 * read: the issued credentials' secrets as ListSecrets lists them (by their tags), and the master
 * secret whose login asks PostgreSQL whether the role exists. Other probe kinds are left.
 */
export function credentialProbes(ports: Pick<CredentialPorts, 'secrets' | 'database'>): ProbeAnswer {
  return async (probe: ChangeProbe) => {
    if (probe.kind !== 'db-credential') return null;
    const listed = (await listDbCredentials(ports, probe.service)).some((c) => c.arn === probe.secretArn);
    // A revocation drops the role, then deletes the secret: the secret gone means both stood.
    if (!probe.issued) return !listed;
    if (!listed) return false;
    const admin = adminLogin((await ports.secrets.getValue(probe.database)).value);
    return ports.database.roleExists(admin, probe.role);
  };
}
