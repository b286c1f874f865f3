import { createPublicKey, type KeyObject } from 'node:crypto';
import { ARCHIVE_PREFIX, DIGEST_PREFIX } from '#domain/audit-digest.ts';
import { DIGEST_START, type DigestBreak } from '#domain/audit-digest-check.ts';
import { ValidationError } from '#domain/errors.ts';
import { ObjectTooLargeError } from '#ports/archive-store.ts';
import { type ArchiveReader, DIGEST_KEY, walkDigests } from './digest-walk.ts';

export type { ArchiveReader } from './digest-walk.ts';

export interface StreamVerification {
  stream: string;
  /** Digests that held, and the records they cover. */
  digests: number;
  records: number;
  /** The newest digest that held: records 1..verifiedThrough are what was signed; 0 when none held. */
  verifiedThrough: number;
  newestDigestTime: string | null;
  /** The stream's first break, or null. */
  break: DigestBreak | null;
}

export interface ArchiveVerification {
  intact: boolean;
  streams: StreamVerification[];
  /** Archive objects of unbroken streams that no digest names (a digest removed from a stream's end shows here). */
  undigested: DigestBreak[];
  /** The first break of all: the first stream's (in key order), else the first undigested archive. */
  firstBreak: DigestBreak | null;
}

const PAGE = 1000;

/**
 * Verifies an exported (or live, read-only) archive against a trusted public key, with no other
 * state: docs/audit-format.md section 8, step by step. Streams are checked one digest at a time,
 * so memory holds one archive object at once.
 */
export async function verifyArchive(archive: ArchiveReader, publicKeyPem: string): Promise<ArchiveVerification> {
  const publicKey = trustedKey(publicKeyPem);
  const byStream = groupDigestKeys(await listAll(archive, DIGEST_PREFIX));
  const named = new Set<string>();
  const streams: StreamVerification[] = [];
  for (const [stream, keys] of byStream) streams.push(await verifyStream(archive, stream, keys, publicKey, named));

  // A broken stream's later archives are unchecked, not undigested: its break is already named.
  const broken = new Set(streams.filter((stream) => stream.break).map((stream) => stream.stream));
  const undigested: DigestBreak[] = [];
  for (const key of await listAll(archive, ARCHIVE_PREFIX)) {
    if (named.has(key) || broken.has(streamOfArchiveKey(key))) continue;
    undigested.push({ stream: streamOfArchiveKey(key), key, kind: 'undigested-archive', problem: 'no digest that held names this archive object' });
  }
  const firstBreak = streams.find((stream) => stream.break)?.break ?? undigested[0] ?? null;
  return { intact: firstBreak === null, streams, undigested, firstBreak };
}

function trustedKey(pem: string): KeyObject {
  try {
    const key = createPublicKey(pem);
    if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return key;
  } catch {
    // Reported below.
  }
  throw new ValidationError('the public key is not a PEM P-256 (prime256v1) public key', 'public-key');
}

async function listAll(archive: ArchiveReader, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let startAfter: string | undefined;
  for (;;) {
    const page = await archive.list(prefix, { limit: PAGE, ...(startAfter === undefined ? {} : { startAfter }) });
    keys.push(...page.keys);
    if (!page.more || page.keys.length === 0) return keys;
    startAfter = page.keys.at(-1);
  }
}

/** Digest keys by stream name (decoded), each stream's keys ascending; a key of another shape is kept under its folder, to be named misplaced. */
function groupDigestKeys(keys: string[]): Map<string, string[]> {
  const byStream = new Map<string, string[]>();
  for (const key of [...keys].sort()) {
    const folder = DIGEST_KEY.exec(key)?.[1] ?? key.slice(DIGEST_PREFIX.length).split('/')[0] ?? '';
    const stream = decodeOr(folder);
    byStream.set(stream, [...(byStream.get(stream) ?? []), key]);
  }
  return byStream;
}

function decodeOr(folder: string): string {
  try {
    return decodeURIComponent(folder);
  } catch {
    return folder;
  }
}

function streamOfArchiveKey(key: string): string {
  return decodeOr(key.slice(ARCHIVE_PREFIX.length).split('/')[0] ?? '');
}

async function verifyStream(archive: ArchiveReader, stream: string, keys: string[], publicKey: KeyObject, named: Set<string>): Promise<StreamVerification> {
  const report: StreamVerification = { stream, digests: 0, records: 0, verifiedThrough: 0, newestDigestTime: null, break: null };
  try {
    const walked = await walkDigests(archive, stream, keys, publicKey, DIGEST_START, {
      archives: true,
      onDigest: ({ digest }) => {
        named.add(digest.archiveKey);
        report.digests += 1;
        report.records += digest.recordCount;
        report.verifiedThrough = digest.lastSeq;
        report.newestDigestTime = digest.digestTime;
      },
    });
    report.break = walked.break;
  } catch (error) {
    // An object too large to be what it claims is this stream's break; the other streams are still checked.
    if (!(error instanceof ObjectTooLargeError)) throw error;
    report.break = { stream, key: error.key, kind: 'format', problem: error.message };
  }
  return report;
}
