import { createHash, createPublicKey, type KeyObject, verify } from 'node:crypto';
import { type AuditRecord, GENESIS, verifyChainFrom } from './audit.ts';
import { canonicalJson } from './canonical-json.ts';

/**
 * The signed digest of one audit stream's records since its previous digest (docs/audit-format.md
 * is the specification; keep the two in step). Implementations of building, signing input and
 * checking live beside these types.
 */
export interface AuditDigest {
  /** The format's version: 1. */
  version: 1;
  stream: string;
  /** The records covered, inclusive: seq firstSeq..lastSeq of the stream. */
  firstSeq: number;
  lastSeq: number;
  /** The hash of record firstSeq and of record lastSeq. */
  firstHash: string;
  lastHash: string;
  recordCount: number;
  /** SHA-256 (hex) of the previous digest of this stream, canonical JSON with its signature; null for the first. */
  previousDigestHash: string | null;
  /** When the digest was made (ISO 8601, UTC). */
  digestTime: string;
  /** The archive object holding records firstSeq..lastSeq as JSON Lines, and its SHA-256 (hex). */
  archiveKey: string;
  archiveSha256: string;
  keyId: string;
  algorithm: 'ECDSA_SHA_256';
  /** Base64 DER ECDSA signature over the UTF-8 canonical JSON of every other field. */
  signature: string;
}

/** A digest before it is signed: every field but the signature. */
export type UnsignedDigest = Omit<AuditDigest, 'signature'>;

export const DIGEST_VERSION = 1;
export const DIGEST_ALGORITHM = 'ECDSA_SHA_256';

/** The archive store's layout (docs/audit-format.md, "Bucket layout"); stream names and key ids are URI-component encoded. */
export const DIGEST_PREFIX = 'digests/';
export const ARCHIVE_PREFIX = 'archive/';
export const KEY_PREFIX = 'keys/';

const seqPart = (seq: number): string => String(seq).padStart(12, '0');

/** digests/<stream>/<lastSeq, 12 digits>.json: a stream's digests list oldest first. */
export function digestKey(stream: string, lastSeq: number): string {
  return `${DIGEST_PREFIX}${encodeURIComponent(stream)}/${seqPart(lastSeq)}.json`;
}

/** archive/<stream>/<firstSeq>-<lastSeq>.jsonl (12 digits each). */
export function archiveKey(stream: string, firstSeq: number, lastSeq: number): string {
  return `${ARCHIVE_PREFIX}${encodeURIComponent(stream)}/${seqPart(firstSeq)}-${seqPart(lastSeq)}.jsonl`;
}

/** keys/<keyId>.pem: the public key a digest names, published beside the digests. */
export function publicKeyKey(keyId: string): string {
  return `${KEY_PREFIX}${encodeURIComponent(keyId)}.pem`;
}

/** The bytes a digest's signature covers: UTF-8 of the canonical JSON of every field but `signature`. */
export function digestSigningInput(digest: UnsignedDigest | AuditDigest): Uint8Array {
  const { signature: _left, ...unsigned } = digest as AuditDigest;
  return new TextEncoder().encode(canonicalJson(unsigned));
}

/** SHA-256 (hex) of the canonical JSON of the whole digest, its signature included: the next digest's previousDigestHash. */
export function digestHash(digest: AuditDigest): string {
  return sha256Hex(canonicalJson(digest));
}

/** SHA-256 (hex) of a text's UTF-8 bytes. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The archive object's body: one line per record, its canonical JSON then "\n", oldest first. */
export function archiveBody(records: AuditRecord[]): string {
  return records.map((record) => `${canonicalJson(record)}\n`).join('');
}

/** Input a digest cannot be made from (no records, another stream's, or records that do not continue the previous digest). */
export class DigestInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DigestInputError';
  }
}

export interface DigestInput {
  stream: string;
  /** The stream's records after the previous digest's lastSeq, oldest first, at least one. */
  records: AuditRecord[];
  /** The stream's previous digest, or null for its first. */
  previous: AuditDigest | null;
  digestTime: string;
  /** Where the archive body (archiveBody(records)) is stored: archiveKey(stream, firstSeq, lastSeq). */
  archiveKey: string;
  keyId: string;
}

/** The unsigned digest of `records`, which must continue `previous`'s chain (else DigestInputError). */
export function buildDigest(input: DigestInput): UnsignedDigest {
  const { stream, records, previous } = input;
  const first = records[0];
  const last = records.at(-1);
  if (!first || !last) throw new DigestInputError(`no records to digest for ${stream}`);
  const foreign = records.find((record) => record.stream !== stream);
  if (foreign) throw new DigestInputError(`record ${foreign.seq} belongs to ${foreign.stream}, not ${stream}`);
  const start = previous ? { seq: previous.lastSeq, hash: previous.lastHash } : GENESIS;
  const broken = verifyChainFrom(records, start);
  if (broken) throw new DigestInputError(`${stream} record ${broken.seq}: ${broken.problem}`);
  return {
    version: DIGEST_VERSION,
    stream,
    firstSeq: first.seq,
    lastSeq: last.seq,
    firstHash: first.hash,
    lastHash: last.hash,
    recordCount: records.length,
    previousDigestHash: previous ? digestHash(previous) : null,
    digestTime: input.digestTime,
    archiveKey: input.archiveKey,
    archiveSha256: sha256Hex(archiveBody(records)),
    keyId: input.keyId,
    algorithm: DIGEST_ALGORITHM,
  };
}

/** A digest object that is not a version 1 digest, or not well formed. */
export class DigestFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DigestFormatError';
  }
}

const HEX64 = /^[0-9a-f]{64}$/;
const FIELDS: Record<keyof AuditDigest, (value: unknown) => boolean> = {
  version: (value) => value === DIGEST_VERSION,
  stream: (value) => typeof value === 'string' && value.length > 0,
  firstSeq: (value) => Number.isSafeInteger(value) && (value as number) >= 1,
  lastSeq: (value) => Number.isSafeInteger(value) && (value as number) >= 1,
  firstHash: (value) => typeof value === 'string' && HEX64.test(value),
  lastHash: (value) => typeof value === 'string' && HEX64.test(value),
  recordCount: (value) => Number.isSafeInteger(value) && (value as number) >= 1,
  previousDigestHash: (value) => value === null || (typeof value === 'string' && HEX64.test(value)),
  digestTime: (value) => typeof value === 'string' && !Number.isNaN(Date.parse(value)),
  archiveKey: (value) => typeof value === 'string' && value.length > 0,
  archiveSha256: (value) => typeof value === 'string' && HEX64.test(value),
  keyId: (value) => typeof value === 'string' && value.length > 0,
  algorithm: (value) => value === DIGEST_ALGORITHM,
  signature: (value) => typeof value === 'string' && value.length > 0,
};

/** Parses a digest object's text; DigestFormatError names the first field that is missing, unknown or malformed. */
export function parseDigest(text: string): AuditDigest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new DigestFormatError('the digest is not JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new DigestFormatError('the digest is not a JSON object');
  const fields = value as Record<string, unknown>;
  for (const [name, valid] of Object.entries(FIELDS)) {
    if (!(name in fields)) throw new DigestFormatError(`the digest has no ${name}`);
    if (!valid(fields[name])) throw new DigestFormatError(`the digest's ${name} is malformed`);
  }
  const unknown = Object.keys(fields).find((name) => !(name in FIELDS));
  if (unknown) throw new DigestFormatError(`the digest has an unknown field ${unknown}`);
  const digest = value as AuditDigest;
  if (digest.lastSeq < digest.firstSeq) throw new DigestFormatError('the digest ends before it starts');
  if (digest.recordCount !== digest.lastSeq - digest.firstSeq + 1)
    throw new DigestFormatError('the digest counts another number of records than its range holds');
  return digest;
}

/** Whether `digest.signature` is an ECDSA P-256 SHA-256 signature (DER, base64) over digestSigningInput(digest) by the key `publicKey`. */
export function verifyDigestSignature(digest: AuditDigest, publicKey: string | KeyObject): boolean {
  try {
    const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
    return verify('sha256', digestSigningInput(digest), { key, dsaEncoding: 'der' }, Buffer.from(digest.signature, 'base64'));
  } catch {
    return false;
  }
}
