import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { KmsAuditSigner } from '#adapters/aws/kms-audit-signer.ts';
import { LocalAuditSigner } from '#adapters/local/local-audit-signer.ts';
import { AuditSigningError } from '#ports/audit-signer.ts';
import { auditSignerContract } from './audit-signer-contract.ts';

const KEY_ARN = 'arn:aws:kms:us-gov-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const kms = mockClient(KMSClient);
const client = new KMSClient({ region: 'us-gov-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });

/** KMS as its API reference answers: Sign hashes a RAW message (at most 4096 bytes) and returns a DER signature and the key ARN. */
function kmsWithKey(): void {
  kms.reset();
  kms.on(SignCommand).callsFake((input: { Message: Uint8Array; MessageType: string; SigningAlgorithm: string }) => {
    if (input.Message.byteLength > 4096 || input.MessageType !== 'RAW' || input.SigningAlgorithm !== 'ECDSA_SHA_256') {
      throw Object.assign(new Error('1 validation error detected'), { name: 'ValidationException' });
    }
    return { KeyId: KEY_ARN, Signature: sign('sha256', input.Message, { key: keys.privateKey, dsaEncoding: 'der' }), SigningAlgorithm: 'ECDSA_SHA_256' };
  });
  kms.on(GetPublicKeyCommand).resolves({
    KeyId: KEY_ARN,
    PublicKey: keys.publicKey.export({ format: 'der', type: 'spki' }),
    KeySpec: 'ECC_NIST_P256',
    KeyUsage: 'SIGN_VERIFY',
    SigningAlgorithms: ['ECDSA_SHA_256'],
  });
}

const stateDir = () => mkdtempSync(join(tmpdir(), 'hms-signer-'));

auditSignerContract('KmsAuditSigner', async () => {
  kmsWithKey();
  return new KmsAuditSigner({ keyId: 'alias/hms-audit', client });
});
auditSignerContract('LocalAuditSigner', async () => new LocalAuditSigner({ keyFile: join(stateDir(), 'audit-signing-key.pem') }));

describe('KmsAuditSigner requests', () => {
  beforeEach(kmsWithKey);

  it('asks KMS Sign for ECDSA_SHA_256 over the RAW message with the configured key', async () => {
    const message = new TextEncoder().encode('{"a":1}');
    const signed = await new KmsAuditSigner({ keyId: 'alias/hms-audit', client }).sign(message);
    expect(kms.commandCalls(SignCommand)[0]!.args[0].input).toEqual({
      KeyId: 'alias/hms-audit',
      Message: message,
      MessageType: 'RAW',
      SigningAlgorithm: 'ECDSA_SHA_256',
    });
    expect(signed.keyId).toBe(KEY_ARN);
  });

  it('asks GetPublicKey once, and answers the key ARN and a PEM public key', async () => {
    const signer = new KmsAuditSigner({ keyId: 'alias/hms-audit', client });
    const [first, second] = await Promise.all([signer.publicKey(), signer.publicKey()]);
    expect(kms.commandCalls(GetPublicKeyCommand).map((call) => call.args[0].input)).toEqual([{ KeyId: 'alias/hms-audit' }]);
    expect(first).toEqual(second);
    expect(first.keyId).toBe(KEY_ARN);
    expect(first.pem).toBe(keys.publicKey.export({ format: 'pem', type: 'spki' }).toString());
  });

  it('sends nothing for a message KMS would refuse', async () => {
    await expect(new KmsAuditSigner({ keyId: KEY_ARN, client }).sign(new Uint8Array(5000))).rejects.toThrow(/at most 4096/);
    expect(kms.commandCalls(SignCommand)).toHaveLength(0);
  });

  it('refuses a key that is not an ECC P-256 signing key', async () => {
    kms.on(GetPublicKeyCommand).resolves({
      KeyId: KEY_ARN,
      PublicKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'der', type: 'spki' }),
      KeySpec: 'RSA_2048',
      KeyUsage: 'SIGN_VERIFY',
      SigningAlgorithms: ['RSASSA_PSS_SHA_256'],
    });
    await expect(new KmsAuditSigner({ keyId: KEY_ARN, client }).publicKey()).rejects.toThrow(/RSA_2048/);
  });

  it('says whether a KMS error may pass on another try, and asks again after a failed GetPublicKey', async () => {
    kms
      .on(SignCommand)
      .rejectsOnce(Object.assign(new Error('key is disabled'), { name: 'DisabledException' }))
      .rejectsOnce(Object.assign(new Error('try later'), { name: 'KeyUnavailableException' }));
    const signer = new KmsAuditSigner({ keyId: KEY_ARN, client });
    await expect(signer.sign(new Uint8Array(1))).rejects.toMatchObject({ name: 'AuditSigningError', permanent: true });
    await expect(signer.sign(new Uint8Array(1))).rejects.toMatchObject({ name: 'AuditSigningError', permanent: false });

    kms.on(GetPublicKeyCommand).rejectsOnce(Object.assign(new Error('no such key'), { name: 'NotFoundException' }));
    const fresh = new KmsAuditSigner({ keyId: KEY_ARN, client });
    await expect(fresh.publicKey()).rejects.toBeInstanceOf(AuditSigningError);
    kmsWithKey();
    await expect(fresh.publicKey()).resolves.toMatchObject({ keyId: KEY_ARN });
  });
});

describe('LocalAuditSigner key file', () => {
  it('makes the key once, readable by its owner only, and keeps it across restarts', async () => {
    const keyFile = join(stateDir(), 'state', 'audit-signing-key.pem');
    const first = await new LocalAuditSigner({ keyFile }).publicKey();
    const again = await new LocalAuditSigner({ keyFile }).publicKey();
    expect(again).toEqual(first);
    expect(first.keyId).toMatch(/^local-p256-[0-9a-f]{16}$/);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(keyFile, 'utf8')).toContain('BEGIN PRIVATE KEY');
  });
});
