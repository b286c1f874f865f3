import type { IssueDbCredentialInput } from '#domain/schemas.ts';
import type { SecretsPorts } from '#ports/ports.ts';
import { listDbCredentials } from '#use-cases/db-credentials.ts';
import { issueDbCredential } from '#use-cases/issue-db-credential.ts';
import { revokeDbCredentials } from '#use-cases/revoke-db-credentials.ts';
import { listRotatedSecrets, rotateNow } from '#use-cases/secrets.ts';
import { getService } from '#use-cases/services.ts';
import type { Operation } from '#functions/http/request.ts';

export const secretOperations: Record<string, Operation<SecretsPorts>> = {
  listSecrets: async (r) => ({ secrets: await listRotatedSecrets(r.ports) }),
  rotateSecret: (r) => rotateNow(r.ports, r.caller, (r.body as { secret: string }).secret),
  issueDbCredential: async (r) => {
    const input = r.body as IssueDbCredentialInput;
    await getService(r.ports, input.service, 'service');
    return issueDbCredential(r.ports, r.caller, input);
  },
  listDbCredentials: async (r) => ({ credentials: await listDbCredentials(r.ports, r.query.service as string | undefined) }),
  revokeDbCredential: (r) => revokeDbCredentials(r.ports, r.caller, { only: (r.body as { arn: string }).arn }),
};
