import type { KeyObject } from 'node:crypto';
import { type AuditDigest, DIGEST_PREFIX } from '#domain/audit-digest.ts';
import { checkArchive, checkDigest, checkpointAfter, type DigestBreak, type DigestCheckpoint } from '#domain/audit-digest-check.ts';
import type { ArchiveStore } from '#ports/archive-store.ts';

/** What walking a stream's digests reads: an archive it may list and read, never write. */
export type ArchiveReader = Pick<ArchiveStore, 'get' | 'list'>;

export const DAY_MS = 24 * 60 * 60 * 1000;

/** A digest's key: digests/<encoded stream>/<12-digit lastSeq>.json. */
export const DIGEST_KEY = /^digests\/([^/]+)\/(\d{12})\.json$/;

/** The folder a stream's digests are under. */
export const streamDigestPrefix = (stream: string) => `${DIGEST_PREFIX}${encodeURIComponent(stream)}/`;

/** A stream's digest keys in ascending order after `startAfter`, a page at a time. */
export async function* digestKeys(archive: ArchiveReader, stream: string, startAfter?: string, pageSize = 100): AsyncGenerator<string> {
  const prefix = streamDigestPrefix(stream);
  for (let after = startAfter; ; ) {
    const page = await archive.list(prefix, { limit: pageSize, ...(after === undefined ? {} : { startAfter: after }) });
    yield* page.keys;
    if (!page.more || page.keys.length === 0) return;
    after = page.keys.at(-1);
  }
}

export interface DigestStep {
  key: string;
  digest: AuditDigest;
  /** Where the stream stands after this digest. */
  after: DigestCheckpoint;
}

export interface WalkOptions {
  /** Also read each digest's archive object and check it against the digest, record by record. */
  archives: boolean;
  /** Stop, without a break, before a digest this says is past what the caller wants (checked before its archive is read). */
  stopAt?: (digest: AuditDigest) => boolean;
  /** Stop between digests once the time is up. */
  shouldStop?: () => boolean;
  /** Each digest that held, in order; an error thrown here ends the walk with it. */
  onDigest?: (step: DigestStep) => Promise<void> | void;
}

export interface WalkResult {
  /** After the last digest that held. */
  checkpoint: DigestCheckpoint;
  /** The key of the last digest that held, if any did. */
  lastKey: string | undefined;
  /** The first digest (or archive) that does not hold, or null. */
  break: DigestBreak | null;
  /** True when every key was walked (no break, no stop). */
  complete: boolean;
}

/**
 * The one walk over a stream's digests, oldest first from `start`: each must be at a digest key,
 * well formed, signed by `publicKey`, in its place and chained to the one before (and, with
 * `archives`, its archive object must match it). Used by the prune, the online verify and the
 * offline verifier alike, so the three cannot drift apart.
 */
export async function walkDigests(
  archive: ArchiveReader,
  stream: string,
  keys: AsyncIterable<string> | Iterable<string>,
  publicKey: string | KeyObject,
  start: DigestCheckpoint,
  options: WalkOptions,
): Promise<WalkResult> {
  const result: WalkResult = { checkpoint: start, lastKey: undefined, break: null, complete: false };
  for await (const key of keys) {
    if (options.shouldStop?.()) return result;
    const text = DIGEST_KEY.test(key) ? await archive.get(key) : null;
    if (text === null) {
      result.break = DIGEST_KEY.test(key)
        ? { stream, key, kind: 'missing-digest', problem: 'the digest was listed but cannot be read' }
        : { stream, key, kind: 'misplaced', problem: 'not a digest key: digests/<stream>/<12-digit lastSeq>.json' };
      return result;
    }
    const checked = checkDigest(stream, key, text, publicKey, result.checkpoint);
    if (!checked.ok) {
      result.break = checked.break;
      return result;
    }
    const { digest } = checked;
    if (options.stopAt?.(digest)) return result;
    if (options.archives) {
      const broken = checkArchive(digest, await archive.get(digest.archiveKey), result.checkpoint);
      if (broken) {
        result.break = broken;
        return result;
      }
    }
    const after = checkpointAfter(digest);
    await options.onDigest?.({ key, digest, after });
    result.checkpoint = after;
    result.lastKey = key;
  }
  result.complete = true;
  return result;
}

/** The last key of an iteration (the stream's newest digest key), or undefined when it has none. */
export async function lastOf(keys: AsyncIterable<string>): Promise<string | undefined> {
  let last: string | undefined;
  for await (const key of keys) last = key;
  return last;
}
