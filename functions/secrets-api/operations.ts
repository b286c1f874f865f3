import { DependencyError, NotFoundError } from '#domain/errors.ts';
import type { IssueDbCredentialInput } from '#domain/schemas.ts';
import { DatabaseUnavailableError } from '#ports/database.ts';
import { SecretNotFoundError } from '#ports/errors.ts';
import type { SecretsPorts } from '#ports/ports.ts';
import { listDbCredentials } from '#use-cases/db-credentials.ts';
import { issueDbCredential } from '#use-cases/issue-db-credential.ts';
import { revokeDbCredentials } from '#use-cases/revoke-db-credentials.ts';
import { listRotatedSecrets, rotateNow } from '#use-cases/secrets.ts';
import { getService } from '#use-cases/services.ts';
import type { Operation } from '../api/operations.ts';

/** Port failures a caller can act on, as HTTP answers: a missing secret is 404, an unreachable database 503. */
async function answering<T>(field: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof SecretNotFoundError) throw new NotFoundError(`secret: ${err.message}`, field);
    if (err instanceof DatabaseUnavailableError) throw new DependencyError(`the database did not answer: ${err.message}`, { cause: err });
    throw err;
  }
}

export const secretOperations: Record<string, Operation<SecretsPorts>> = {
  listSecrets: async (r) => ({ secrets: await listRotatedSecrets(r.ports) }),
  rotateSecret: (r) => rotateNow(r.ports, r.caller, (r.body as { secret: string }).secret),
  issueDbCredential: async (r) => {
    const input = r.body as IssueDbCredentialInput;
    await getService(r.ports, input.service);
    return answering('database', () => issueDbCredential(r.ports, r.caller, input));
  },
  listDbCredentials: async (r) => ({ credentials: await listDbCredentials(r.ports, r.query.service as string | undefined) }),
  revokeDbCredential: (r) => answering('arn', () => revokeDbCredentials(r.ports, r.caller, { only: (r.body as { arn: string }).arn })),
};
