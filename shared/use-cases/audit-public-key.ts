import { publicKeyKey } from '#domain/audit-digest.ts';
import type { AuditArchivePorts } from '#ports/audit-digest-state.ts';

/**
 * The public key that verifies the digests, from the signing key itself (KMS GetPublicKey), with
 * the archive key it is published under. An auditor should compare it with the copy in the bucket.
 */
export async function auditPublicKey(ports: { auditArchive: Pick<AuditArchivePorts, 'signer'> }): Promise<{ keyId: string; pem: string; key: string }> {
  const { keyId, pem } = await ports.auditArchive.signer.publicKey();
  return { keyId, pem, key: publicKeyKey(keyId) };
}
