import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { linkSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { AUDIT_SIGN_MESSAGE_LIMIT, type AuditSigner, AuditSigningError } from '#ports/audit-signer.ts';
import { readFileIfPresent } from './atomic-file.ts';

export interface LocalAuditSignerOptions {
  /** The PKCS #8 PEM file of the private key, under the sandbox's state folder; created on first use. */
  keyFile: string;
}

/**
 * The sandbox's stand-in for the KMS signing key: a P-256 key kept in a file, made once and kept
 * across restarts, signing as KMS does (ECDSA over SHA-256, DER, at most 4096 bytes of message).
 */
export class LocalAuditSigner implements AuditSigner {
  readonly #keyFile: string;
  #key: { privateKey: KeyObject; pem: string; keyId: string } | undefined;

  constructor(options: LocalAuditSignerOptions) {
    this.#keyFile = options.keyFile;
  }

  async sign(message: Uint8Array): Promise<{ signature: string; keyId: string; algorithm: 'ECDSA_SHA_256' }> {
    if (message.byteLength > AUDIT_SIGN_MESSAGE_LIMIT) {
      throw new AuditSigningError(`the message is ${message.byteLength} bytes; KMS signs at most ${AUDIT_SIGN_MESSAGE_LIMIT} with MessageType RAW`, true);
    }
    const key = this.#load();
    const signature = sign('sha256', message, { key: key.privateKey, dsaEncoding: 'der' }).toString('base64');
    return { signature, keyId: key.keyId, algorithm: 'ECDSA_SHA_256' };
  }

  async publicKey(): Promise<{ pem: string; keyId: string }> {
    const { pem, keyId } = this.#load();
    return { pem, keyId };
  }

  #load(): { privateKey: KeyObject; pem: string; keyId: string } {
    if (!this.#key) {
      const privateKey = createPrivateKey(readFileIfPresent(this.#keyFile) ?? this.#create());
      const publicKey = createPublicKey(privateKey);
      const der = publicKey.export({ format: 'der', type: 'spki' });
      const pem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
      // Named for its public key, so a digest says which local key signed it.
      this.#key = { privateKey, pem, keyId: `local-p256-${createHash('sha256').update(der).digest('hex').slice(0, 16)}` };
    }
    return this.#key;
  }

  /** Writes a new key whole, then links it into place: two processes starting at once keep whichever linked first. */
  #create(): string {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    mkdirSync(dirname(this.#keyFile), { recursive: true });
    const temporary = `${this.#keyFile}.${process.pid}.tmp`;
    writeFileSync(temporary, pem, { mode: 0o600 });
    try {
      linkSync(temporary, this.#keyFile);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      rmSync(temporary, { force: true });
    }
    const kept = readFileIfPresent(this.#keyFile);
    if (!kept) throw new AuditSigningError(`the local signing key ${this.#keyFile} vanished as it was made`, false);
    return kept;
  }
}
