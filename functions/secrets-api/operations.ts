import type { OperationTable } from '#functions/http/operation-table.ts';
import type { SecretsPorts } from '#ports/ports.ts';
import { listDbCredentials } from '#use-cases/db-credentials.ts';
import { issueDbCredential } from '#use-cases/issue-db-credential.ts';
import { revokeDbCredentials } from '#use-cases/revoke-db-credentials.ts';
import { listRotatedSecrets, rotateNow } from '#use-cases/secrets.ts';
import { getService } from '#use-cases/services.ts';
import type { SecretOperationId } from './triggers.ts';

/** The secrets API's operations: one per route it declares, each typed by its contract and answer. */
export const secretOperations: OperationTable<SecretOperationId, SecretsPorts> = {
  listSecrets: async (r) => ({ secrets: await listRotatedSecrets(r.ports) }),
  rotateSecret: (r) => rotateNow(r.ports, r.caller, r.body.secret),
  issueDbCredential: async (r) => {
    const input = r.body;
    await getService(r.ports, input.service, 'service');
    return issueDbCredential(r.ports, r.caller, input);
  },
  listDbCredentials: async (r) => ({ credentials: await listDbCredentials(r.ports, r.query.service) }),
  revokeDbCredential: (r) => revokeDbCredentials(r.ports, r.caller, { only: r.body.arn }),
};
