/**
 * Signs audit digests with an asymmetric key whose public half is published: KMS
 * (ECC_NIST_P256, ECDSA_SHA_256) in AWS, a local P-256 key in the sandbox.
 */
export interface AuditSigner {
  /** An ECDSA P-256 signature over SHA-256 of `message`, DER-encoded, in base64. */
  sign(message: Uint8Array): Promise<{ signature: string; keyId: string; algorithm: 'ECDSA_SHA_256' }>;
  /** The public key as PEM (SubjectPublicKeyInfo), and the key id digests name. */
  publicKey(): Promise<{ pem: string; keyId: string }>;
}
