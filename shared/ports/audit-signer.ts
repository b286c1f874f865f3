import { PortError } from './errors.ts';

/**
 * Signs audit digests with an asymmetric key whose public half is published: KMS
 * (ECC_NIST_P256, ECDSA_SHA_256) in AWS, a local P-256 key in the sandbox.
 */
export interface AuditSigner {
  /** An ECDSA P-256 signature over SHA-256 of `message`, DER-encoded, in base64. */
  sign(message: Uint8Array): Promise<{ signature: string; keyId: string; algorithm: 'ECDSA_SHA_256' }>;
  /** The public key as PEM (SubjectPublicKeyInfo), and the key id digests name: read it before building a digest, whose signed fields include it. */
  publicKey(): Promise<{ pem: string; keyId: string }>;
}

/**
 * The longest message a signer takes: KMS Sign with MessageType RAW takes at most 4096 bytes
 * (https://docs.aws.amazon.com/kms/latest/APIReference/API_Sign.html), and the local signer refuses what KMS would.
 */
export const AUDIT_SIGN_MESSAGE_LIMIT = 4096;

/** A digest could not be signed, or the signing key could not be read: the message, the key or its state is wrong. */
export class AuditSigningError extends PortError {
  /** False when another try may pass (KeyUnavailableException, a timeout). */
  readonly permanent: boolean;

  constructor(message: string, permanent: boolean, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AuditSigningError';
    this.permanent = permanent;
  }
}
