import { canonicalJson, lookupStream } from '#domain/audit.ts';
import {
  type AuditDigest,
  archiveBody,
  archiveKey,
  buildDigest,
  DigestInputError,
  digestKey,
  digestSigningInput,
  publicKeyKey,
  sha256Hex,
  type UnsignedDigest,
} from '#domain/audit-digest.ts';
import type { AuditArchivePorts } from '#ports/audit-digest-state.ts';
import type { AuditLog } from '#ports/audit-log.ts';
import type { AuditOutbox } from '#ports/audit-outbox.ts';
import { AuditSigningError } from '#ports/audit-signer.ts';
import type { Clock } from '#ports/clock.ts';
import { StaleVersionError } from '#ports/errors.ts';
import { DAY_MS } from './digest-walk.ts';

/**
 * The digest function's ports: the audit log and the archive's (bucket, signing key, digest state),
 * and the outbox, as every HTTP function records its callers' reads there.
 */
export type DigestPorts = { audit: AuditLog; auditOutbox: AuditOutbox; clock: Clock; auditArchive: AuditArchivePorts };

export interface DigestSettings {
  /** Days each object stays locked (HMS_AUDIT_RETENTION_DAYS, 365 by default). */
  retentionDays: number;
  /** Records in one digest at most, so an archive object and a run's memory stay bounded. */
  maxRecordsPerDigest?: number;
  /** Streams digested at once. */
  concurrency?: number;
  /** Stop starting streams once this says the time is up; the next run goes on. */
  shouldStop?: () => boolean;
}

export interface DigestRunReport {
  startedAt: string;
  /** Streams with a record at or after this time were looked at. */
  since: string;
  streamsChecked: number;
  digests: { stream: string; firstSeq: number; lastSeq: number; key: string }[];
  /** Streams not digested, and why: a broken chain is never signed. */
  failures: { stream: string; problem: string }[];
  /** True when every changed stream was looked at; false when the time ran out first. */
  complete: boolean;
  publicKey: string;
}

export const DEFAULT_MAX_RECORDS_PER_DIGEST = 10_000;
/**
 * A record's time is its writer's, and the outbox drainer appends a record up to its grace (900 s)
 * after that time, so each run looks back this far before the previous run's start.
 */
export const DIGEST_LOOKBACK_MS = 2 * 60 * 60 * 1000;
/**
 * A lookup is chained onto the stream of its own day when drained, which can be long after its
 * time (a drainer down): each run also compares this many days' lookup streams with their digests.
 */
export const LOOKUP_DAYS_CHECKED = 7;

/**
 * One digest run (hourly, and on demand): for each stream with records since the last run, the
 * records after its newest digest are checked, archived (JSON Lines) and covered by a new signed
 * digest that chains to the one before, each object locked until digestTime + retention.
 *
 * Safe to run twice at once: a stream's next digest is claimed in the table (a conditional put of
 * the head) before its objects are written, so two runs never write different digests for one
 * range; a run finding its stream's head not yet in the bucket (a run that stopped after its claim)
 * writes that head's objects first, with the same bytes.
 */
export async function runDigests(ports: DigestPorts, settings: DigestSettings): Promise<DigestRunReport> {
  const startedAt = ports.clock.now();
  const lastRun = await ports.auditArchive.digestState.getLastRun();
  const since = new Date(lastRun ? Date.parse(lastRun) - DIGEST_LOOKBACK_MS : 0).toISOString();
  const retainUntil = () => new Date(ports.clock.now().getTime() + settings.retentionDays * DAY_MS).toISOString();
  const { pem, keyId } = await ports.auditArchive.signer.publicKey();
  const publicKey = publicKeyKey(keyId);
  if ((await ports.auditArchive.archive.get(publicKey)) !== pem) await putOnce(ports, publicKey, pem, retainUntil());

  const retry = await ports.auditArchive.digestState.getRetryStreams();
  const changed = await ports.auditArchive.digestState.changedStreams(since);
  const streams = [...new Set([...changed, ...retry, ...(await lookupStreamsBehind(ports, startedAt))])].sort();
  const done = new Set<string>();
  const report: DigestRunReport = { startedAt: startedAt.toISOString(), since, streamsChecked: 0, digests: [], failures: [], complete: true, publicKey };
  const queue = [...streams];
  const worker = async () => {
    for (let stream = queue.shift(); stream !== undefined; stream = queue.shift()) {
      if (settings.shouldStop?.()) {
        report.complete = false;
        return;
      }
      report.streamsChecked += 1;
      try {
        await digestStream(ports, stream, keyId, retainUntil, settings, report);
        done.add(stream);
      } catch (err) {
        report.failures.push({ stream, problem: err instanceof Error ? err.message : String(err) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(settings.concurrency ?? 8, Math.max(1, streams.length)) }, worker));
  // A stream that failed (or that a stopped run did not reach, of those kept for retry) is kept for
  // the next run by name, so it holds back no other stream's `since`. A stopped run starts the next
  // from the same time, so no changed stream is skipped.
  const failed = report.failures.map((failure) => failure.stream);
  const pending = retry.filter((stream) => !done.has(stream) && !failed.includes(stream));
  const next = [...new Set([...failed, ...pending])].sort();
  if (next.join('\n') !== [...retry].sort().join('\n')) await ports.auditArchive.digestState.saveRetryStreams(next);
  if (report.complete) await ports.auditArchive.digestState.saveLastRun(startedAt.toISOString());
  return report;
}

/** The last LOOKUP_DAYS_CHECKED days' lookup streams holding a record after their newest digest. */
async function lookupStreamsBehind(ports: DigestPorts, now: Date): Promise<string[]> {
  const days = Array.from({ length: LOOKUP_DAYS_CHECKED }, (_, i) => lookupStream(new Date(now.getTime() - i * DAY_MS).toISOString()));
  const behind = await Promise.all(
    days.map(async (stream) => {
      const head = await ports.auditArchive.digestState.getHead(stream);
      const after = await ports.audit.readChain(stream, head?.lastSeq ?? 0, 1);
      return after.records.length > 0 || after.unreadable ? stream : null;
    }),
  );
  return behind.filter((stream): stream is string => stream !== null);
}

async function digestStream(
  ports: DigestPorts,
  stream: string,
  keyId: string,
  retainUntil: () => string,
  settings: DigestSettings,
  report: DigestRunReport,
): Promise<void> {
  let head = await ports.auditArchive.digestState.getHead(stream);
  if (head) await publish(ports, head, retainUntil);
  const limit = settings.maxRecordsPerDigest ?? DEFAULT_MAX_RECORDS_PER_DIGEST;
  for (;;) {
    const page = await ports.audit.readChain(stream, head?.lastSeq ?? 0, limit);
    const first = page.records[0];
    const last = page.records.at(-1);
    if (!first || !last) {
      if (page.unreadable) throw new DigestInputError(`${stream} record ${page.unreadable.seq}: ${page.unreadable.problem}`);
      return;
    }
    const unsigned = buildDigest({
      stream,
      records: page.records,
      previous: head,
      digestTime: ports.clock.now().toISOString(),
      archiveKey: archiveKey(stream, first.seq, last.seq),
      keyId,
    });
    const digest = await signDigest(ports, unsigned);
    try {
      await ports.auditArchive.digestState.saveHead(digest, head?.lastSeq ?? null);
    } catch (err) {
      if (err instanceof StaleVersionError) return; // another run claimed this range; it writes the objects
      throw err;
    }
    await publish(ports, digest, retainUntil, archiveBody(page.records));
    report.digests.push({ stream, firstSeq: digest.firstSeq, lastSeq: digest.lastSeq, key: digestKey(stream, digest.lastSeq) });
    if (page.unreadable) throw new DigestInputError(`${stream} record ${page.unreadable.seq}: ${page.unreadable.problem}`);
    if (!page.more) return;
    head = digest;
  }
}

/**
 * Signs a digest built with the key id the signer's publicKey() gave. keyId and algorithm are among
 * the signed fields, so a signer answering with another key or algorithm is refused: the digest
 * would name a key that did not sign it.
 */
async function signDigest(ports: DigestPorts, unsigned: UnsignedDigest): Promise<AuditDigest> {
  const signed = await ports.auditArchive.signer.sign(digestSigningInput(unsigned));
  if (signed.keyId !== unsigned.keyId || signed.algorithm !== unsigned.algorithm) {
    throw new AuditSigningError(
      `${unsigned.stream}: the signer signed with ${signed.keyId} (${signed.algorithm}), but the digest names ${unsigned.keyId} (${unsigned.algorithm}); not written`,
      true,
    );
  }
  return { ...unsigned, signature: signed.signature };
}

/**
 * Writes a claimed digest's archive object, then the digest itself, unless the digest is already
 * there with the same bytes (so a crash between the two is mended by the next run, and a digest is
 * never put twice). Other bytes there fail the stream on every run, so nothing chains past it.
 */
async function publish(ports: DigestPorts, digest: AuditDigest, retainUntil: () => string, body?: string): Promise<void> {
  const key = digestKey(digest.stream, digest.lastSeq);
  const digestBytes = canonicalJson(digest);
  if (body === undefined) {
    const existing = await ports.auditArchive.archive.get(key);
    if (existing === digestBytes) return;
    if (existing !== null) throw new DigestInputError(`${key} is already in the archive with other bytes`);
    const page = await ports.audit.readChain(digest.stream, digest.firstSeq - 1, digest.recordCount);
    body = archiveBody(page.records);
    if (sha256Hex(body) !== digest.archiveSha256) {
      throw new DigestInputError(`${digest.stream} records ${digest.firstSeq}..${digest.lastSeq} changed after their digest was signed`);
    }
  }
  await putOnce(ports, digest.archiveKey, body, retainUntil());
  // The object is the digest's canonical JSON, so its SHA-256 is the digest's hash, the next one's previousDigestHash.
  await putOnce(ports, key, digestBytes, retainUntil());
}

/**
 * A create-only put: an object already at the key (a run that stopped after writing it, or one
 * racing this) must hold the same bytes, or the run fails naming it rather than trust it.
 */
async function putOnce(ports: DigestPorts, key: string, body: string, retainUntil: string): Promise<void> {
  if ((await ports.auditArchive.archive.put(key, body, retainUntil)) === 'created') return;
  if ((await ports.auditArchive.archive.get(key)) !== body) throw new DigestInputError(`${key} is already in the archive with other bytes`);
}
