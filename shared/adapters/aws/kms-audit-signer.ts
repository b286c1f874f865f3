import { createPublicKey } from 'node:crypto';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { AUDIT_SIGN_MESSAGE_LIMIT, type AuditSigner, AuditSigningError } from '#ports/audit-signer.ts';

/** KMS errors that a retry cannot mend (the SDK already retries throttling, KMSInternal and DependencyTimeout). */
const PERMANENT = new Set([
  'AccessDeniedException',
  'DisabledException',
  'InvalidKeyUsageException',
  'KMSInvalidStateException',
  'NotFoundException',
  'InvalidGrantTokenException',
]);

export interface KmsAuditSignerOptions {
  /** The signing key: id, ARN or alias (HMS_AUDIT_SIGNING_KEY_ID). Digests name the key ARN that KMS answers with. */
  keyId: string;
  region?: string;
  /** Injected in tests; otherwise built on first use (FIPS endpoints follow AWS_USE_FIPS_ENDPOINT). */
  client?: KMSClient;
}

/** Signs digests with an ECC_NIST_P256 SIGN_VERIFY key in KMS; the private key never leaves KMS. */
export class KmsAuditSigner implements AuditSigner {
  readonly #options: KmsAuditSignerOptions;
  #built: KMSClient | undefined;
  #published: Promise<{ pem: string; keyId: string }> | undefined;

  constructor(options: KmsAuditSignerOptions) {
    this.#options = options;
  }

  get #client(): KMSClient {
    this.#built ??=
      this.#options.client ?? new KMSClient({ ...(this.#options.region ? { region: this.#options.region } : {}), maxAttempts: 5, retryMode: 'standard' });
    return this.#built;
  }

  /**
   * KMS hashes the RAW message with SHA-256 and signs it; for ECDSA_SHA_256 the Signature is a
   * DER-encoded ECDSA-Sig-Value (ANSI X9.62-2005, RFC 3279 section 2.2.3), raw bytes in the SDK
   * (base64 only on the HTTP wire), and KeyId is the key's ARN (API_Sign.html, Response Elements).
   */
  async sign(message: Uint8Array): Promise<{ signature: string; keyId: string; algorithm: 'ECDSA_SHA_256' }> {
    if (message.byteLength > AUDIT_SIGN_MESSAGE_LIMIT) {
      throw new AuditSigningError(`the message is ${message.byteLength} bytes; KMS signs at most ${AUDIT_SIGN_MESSAGE_LIMIT} with MessageType RAW`, true);
    }
    const answer = await this.#call('Sign', () =>
      this.#client.send(new SignCommand({ KeyId: this.#options.keyId, Message: message, MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256' })),
    );
    if (!answer.Signature || !answer.KeyId) throw new AuditSigningError('KMS answered Sign without a signature or key id', false);
    return { signature: Buffer.from(answer.Signature).toString('base64'), keyId: answer.KeyId, algorithm: 'ECDSA_SHA_256' };
  }

  /**
   * The public key as PEM and the key ARN, asked once per container. GetPublicKey answers the
   * DER SubjectPublicKeyInfo (RFC 5280), and the key's spec, usage and algorithms, checked here so a
   * wrong key fails before anything is signed (https://docs.aws.amazon.com/kms/latest/APIReference/API_GetPublicKey.html).
   */
  publicKey(): Promise<{ pem: string; keyId: string }> {
    this.#published ??= this.#fetchPublicKey().catch((error: unknown) => {
      this.#published = undefined;
      throw error;
    });
    return this.#published;
  }

  async #fetchPublicKey(): Promise<{ pem: string; keyId: string }> {
    const answer = await this.#call('GetPublicKey', () => this.#client.send(new GetPublicKeyCommand({ KeyId: this.#options.keyId })));
    if (!answer.PublicKey || !answer.KeyId) throw new AuditSigningError('KMS answered GetPublicKey without a key', false);
    if (answer.KeySpec !== 'ECC_NIST_P256' || answer.KeyUsage !== 'SIGN_VERIFY' || !answer.SigningAlgorithms?.includes('ECDSA_SHA_256')) {
      throw new AuditSigningError(
        `the audit signing key ${answer.KeyId} is ${answer.KeySpec} for ${answer.KeyUsage}; digests need an ECC_NIST_P256 SIGN_VERIFY key that signs ECDSA_SHA_256`,
        true,
      );
    }
    const pem = createPublicKey({ key: Buffer.from(answer.PublicKey), format: 'der', type: 'spki' })
      .export({ format: 'pem', type: 'spki' })
      .toString();
    return { pem, keyId: answer.KeyId };
  }

  async #call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      const name = (error as { name?: string }).name ?? 'Error';
      throw new AuditSigningError(`KMS ${operation} on ${this.#options.keyId} failed: ${name}: ${(error as Error).message}`, PERMANENT.has(name), {
        cause: error,
      });
    }
  }
}
