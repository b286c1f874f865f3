import { verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { chainEntry } from '#domain/audit.ts';
import { archiveKey, buildDigest, digestSigningInput, verifyDigestSignature } from '#domain/audit-digest.ts';
import { AUDIT_SIGN_MESSAGE_LIMIT, type AuditSigner, AuditSigningError } from '#ports/audit-signer.ts';

/**
 * What every AuditSigner does, as KMS Sign and GetPublicKey document it
 * (https://docs.aws.amazon.com/kms/latest/APIReference/API_Sign.html): ECDSA P-256 over SHA-256 of
 * the message, DER-encoded, verifiable with the published public key; at most 4096 bytes of message.
 */
export function auditSignerContract(name: string, makeSigner: () => Promise<AuditSigner>): void {
  describe(`${name} (AuditSigner contract)`, () => {
    const message = new TextEncoder().encode('{"stream":"system"}');

    it('signs so that the published public key verifies the signature, and only for that message', async () => {
      const signer = await makeSigner();
      const signed = await signer.sign(message);
      const { pem } = await signer.publicKey();
      const signature = Buffer.from(signed.signature, 'base64');
      expect(signed.algorithm).toBe('ECDSA_SHA_256');
      expect(signature[0]).toBe(0x30); // a DER SEQUENCE (RFC 3279 section 2.2.3), not the 64-byte r||s form
      expect(verify('sha256', message, { key: pem, dsaEncoding: 'der' }, signature)).toBe(true);
      expect(verify('sha256', new TextEncoder().encode('{"stream":"other"}'), { key: pem, dsaEncoding: 'der' }, signature)).toBe(false);
    });

    it('names the same key when it signs as when it publishes', async () => {
      const signer = await makeSigner();
      expect((await signer.sign(message)).keyId).toBe((await signer.publicKey()).keyId);
    });

    it('signs a digest that the domain verifies with the published key', async () => {
      const signer = await makeSigner();
      const { pem, keyId } = await signer.publicKey();
      const record = chainEntry(
        {
          time: '2026-12-03T10:00:00.000Z',
          actor: 'dev',
          action: 'rule.create',
          target: 'rule/AR-1',
          before: null,
          after: {},
          outcome: 'success',
          reasons: [],
          requestId: 'r',
        },
        'system',
        null,
      );
      const unsigned = buildDigest({
        stream: 'system',
        records: [record],
        previous: null,
        digestTime: '2026-12-03T11:00:00.000Z',
        archiveKey: archiveKey('system', 1, 1),
        keyId,
      });
      const digest = { ...unsigned, signature: (await signer.sign(digestSigningInput(unsigned))).signature };
      expect(verifyDigestSignature(digest, pem)).toBe(true);
      expect(verifyDigestSignature({ ...digest, lastHash: digest.firstHash.replace(/^./, 'f') }, pem)).toBe(false);
    });

    it('takes a message of 4096 bytes and refuses one of 4097, as KMS does with MessageType RAW', async () => {
      const signer = await makeSigner();
      await expect(signer.sign(new Uint8Array(AUDIT_SIGN_MESSAGE_LIMIT))).resolves.toMatchObject({ algorithm: 'ECDSA_SHA_256' });
      const refused = signer.sign(new Uint8Array(AUDIT_SIGN_MESSAGE_LIMIT + 1));
      await expect(refused).rejects.toBeInstanceOf(AuditSigningError);
      await expect(refused).rejects.toMatchObject({ permanent: true });
    });
  });
}
