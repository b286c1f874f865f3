import { describe, expect, it } from 'vitest';
import { digestKey, digestSigningInput, parseDigest, verifyDigestSignature } from '#domain/audit-digest.ts';
import type { AuditSigner } from '#ports/audit-signer.ts';
import { runDigests } from '#use-cases/audit-digests.ts';
import { change, digestPorts } from './digest-fixture.ts';

/** The fixture's local signer, with sign() answering as a signer whose key changed under it might. */
function signerAnswering(real: AuditSigner, answer: { keyId?: string; algorithm?: string }): AuditSigner & { signed: Uint8Array[] } {
  const signed: Uint8Array[] = [];
  return {
    signed,
    publicKey: () => real.publicKey(),
    sign: async (message) => {
      signed.push(message);
      return { ...(await real.sign(message)), ...answer } as Awaited<ReturnType<AuditSigner['sign']>>;
    },
  };
}

describe("a digest's key id", () => {
  it("comes from the signer's publicKey() before the digest is built, so the signature covers it", async () => {
    const { audit, archive, signer, ports } = digestPorts();
    const watched = signerAnswering(signer, {});
    await audit.append(change('orders', '2026-12-03T14:00:00.000Z'));

    const report = await runDigests({ ...ports, auditArchive: { ...ports.auditArchive, signer: watched } }, { retentionDays: 365 });

    expect(report.failures).toEqual([]);
    const { keyId, pem } = await signer.publicKey();
    const digest = parseDigest((await archive.get(digestKey('service#orders', 1))) as string);
    expect(digest.keyId).toBe(keyId);
    // What was signed is the digest as written, key id included.
    expect(watched.signed).toEqual([digestSigningInput(digest)]);
    expect(verifyDigestSignature(digest, pem)).toBe(true);
  });

  it.each([
    ['another key id', { keyId: 'arn:aws:kms:us-east-1:111122223333:key/other' }],
    ['another algorithm', { algorithm: 'RSASSA_PSS_SHA_256' }],
  ])('is refused when sign() reports %s: the stream fails, and no digest, claim or archive object is written', async (_name, answer) => {
    const { audit, archive, digestState, signer, ports } = digestPorts();
    await audit.append(change('orders', '2026-12-03T14:00:00.000Z'));

    const report = await runDigests({ ...ports, auditArchive: { ...ports.auditArchive, signer: signerAnswering(signer, answer) } }, { retentionDays: 365 });

    expect(report.digests).toEqual([]);
    expect(report.failures).toEqual([
      { stream: 'service#orders', problem: expect.stringMatching(/^service#orders: the signer signed with .* but the digest names .*; not written$/) },
    ]);
    expect(await digestState.getHead('service#orders')).toBeNull();
    expect((await archive.list('digests/', { limit: 10 })).keys).toEqual([]);
    expect((await archive.list('archive/', { limit: 10 })).keys).toEqual([]);
  });
});
