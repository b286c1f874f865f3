import { publicKeyKey } from '#domain/audit-digest.ts';
import { NotFoundError } from '#domain/errors.ts';
import type { Ports } from '#ports/ports.ts';

/**
 * The public key that verifies the digests, from the signing key itself (KMS GetPublicKey), with
 * the archive key it is published under. An auditor should compare it with the copy in the bucket.
 */
export async function auditPublicKey(ports: Pick<Ports, 'auditArchive'>): Promise<{ keyId: string; pem: string; key: string }> {
  if (!ports.auditArchive) throw new NotFoundError('audit archive (no signing key is deployed)');
  const { keyId, pem } = await ports.auditArchive.signer.publicKey();
  return { keyId, pem, key: publicKeyKey(keyId) };
}
