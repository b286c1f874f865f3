import type { AuditDigest } from '#domain/audit-digest.ts';
import type { AuditDigestState, DigestMark, DigestMarkKind } from '#ports/audit-digest-state.ts';
import { StaleVersionError } from '#ports/errors.ts';
import type { MemoryAudit } from './memory-stores.ts';

const stored = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
/** Record times as the time index sorts them (ISO with milliseconds). */
const timeOf = (time: string) => new Date(time).toISOString();

/** The digest run's items over a MemoryAudit's records: passes the AuditDigestState contract with the DynamoDB adapter. */
export class MemoryDigestState implements AuditDigestState {
  readonly heads = new Map<string, AuditDigest>();
  /** Marks by `<kind>#<stream>`. */
  readonly marks = new Map<string, DigestMark>();
  lastRun: string | null = null;

  constructor(private readonly audit: MemoryAudit) {}

  async changedStreams(since: string): Promise<string[]> {
    return [...new Set(this.audit.records.filter((r) => timeOf(r.time) >= since).map((r) => r.stream))].sort();
  }

  async streamsWithRecordsBefore(before: string, limit: number): Promise<string[]> {
    return [...new Set(this.audit.records.filter((r) => timeOf(r.time) < before).map((r) => r.stream))].sort().slice(0, limit);
  }

  getHead = async (stream: string) => stored(this.heads.get(stream) ?? null);

  async saveHead(digest: AuditDigest, expectedLastSeq: number | null): Promise<void> {
    if ((this.heads.get(digest.stream)?.lastSeq ?? null) !== expectedLastSeq) throw new StaleVersionError(`audit digest#${digest.stream}`);
    this.heads.set(digest.stream, stored(digest));
  }

  getLastRun = async () => this.lastRun;
  saveLastRun = async (time: string) => {
    this.lastRun = time;
  };

  retry: string[] = [];
  getRetryStreams = async () => [...this.retry];
  saveRetryStreams = async (streams: string[]) => {
    this.retry = [...streams];
  };

  getMark = async (kind: DigestMarkKind, stream: string) => stored(this.marks.get(`${kind}#${stream}`) ?? null);

  async saveMark(kind: DigestMarkKind, mark: DigestMark, expectedSeq: number | null): Promise<void> {
    const at = `${kind}#${mark.stream}`;
    if ((this.marks.get(at)?.lastSeq ?? null) !== expectedSeq) throw new StaleVersionError(`audit ${at}`);
    this.marks.set(at, stored(mark));
  }

  async deleteRecordsThrough(stream: string, throughSeq: number): Promise<number> {
    const before = this.audit.records.length;
    const kept = this.audit.records.filter((r) => r.stream !== stream || r.seq > throughSeq);
    this.audit.records.splice(0, this.audit.records.length, ...kept);
    return before - kept.length;
  }
}
