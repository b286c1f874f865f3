import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '#domain/audit.ts';
import type { AuditDigest } from '#domain/audit-digest.ts';
import type { AuditDigestState } from '#ports/audit-digest-state.ts';
import type { AuditLog } from '#ports/audit-log.ts';
import { StaleVersionError } from '#ports/errors.ts';

const entry = (service: string | undefined, time: string, kind?: 'lookup'): AuditEntry => ({
  time,
  actor: 'dev-admin',
  action: kind ? 'lookup.listAudit' : 'rule.update',
  target: 'x',
  before: null,
  after: null,
  outcome: 'success',
  reasons: [],
  requestId: 'r',
  ...(service ? { service } : {}),
  ...(kind ? { kind } : {}),
});

const digest = (stream: string, lastSeq: number): AuditDigest => ({
  version: 1,
  stream,
  firstSeq: 1,
  lastSeq,
  firstHash: 'a'.repeat(64),
  lastHash: 'b'.repeat(64),
  recordCount: lastSeq,
  previousDigestHash: null,
  digestTime: '2026-12-03T15:00:00.000Z',
  archiveKey: `archive/${stream}`,
  archiveSha256: 'c'.repeat(64),
  keyId: 'k',
  algorithm: 'ECDSA_SHA_256',
  signature: 'sig',
});

/** What the digest run's state does, on the audit table (dynalite) and in memory. */
export function auditDigestStateContract(name: string, make: () => Promise<{ log: AuditLog; state: AuditDigestState }>): void {
  describe(`AuditDigestState contract: ${name}`, () => {
    it('finds the streams, change and lookup, with a record at or after a time, each once', async () => {
      const { log, state } = await make();
      await log.append(entry('a', '2026-12-03T10:00:00.000Z'));
      await log.append(entry('b', '2026-12-03T12:00:00.000Z'));
      await log.append(entry('b', '2026-12-03T13:00:00.000Z'));
      await log.append(entry(undefined, '2026-12-03T12:00:00.000Z', 'lookup'));
      await log.append(entry(undefined, '2026-12-03T11:59:59.999Z'));

      expect(await state.changedStreams('2026-12-03T12:00:00.000Z')).toEqual(['lookup#2026-12-03', 'service#b']);
      expect(await state.streamsWithRecordsBefore('2026-12-03T12:00:00.000Z', 10)).toEqual(['service#a', 'system']);
      expect(await state.streamsWithRecordsBefore('2026-12-03T12:00:00.000Z', 1)).toHaveLength(1);
    });

    it('saves a head only over the one it expects, as a second run racing it would', async () => {
      const { state } = await make();
      expect(await state.getHead('system')).toBeNull();
      await state.saveHead(digest('system', 3), null);
      await expect(state.saveHead(digest('system', 4), null)).rejects.toBeInstanceOf(StaleVersionError);
      await state.saveHead(digest('system', 5), 3);
      await expect(state.saveHead(digest('system', 6), 3)).rejects.toBeInstanceOf(StaleVersionError);
      expect(await state.getHead('system')).toEqual(digest('system', 5));
    });

    it('keeps the last run time and each kind of mark apart, the marks conditionally', async () => {
      const { state } = await make();
      expect(await state.getLastRun()).toBeNull();
      await state.saveLastRun('2026-12-03T15:00:00.000Z');
      expect(await state.getLastRun()).toBe('2026-12-03T15:00:00.000Z');
      expect(await state.getRetryStreams()).toEqual([]);
      await state.saveRetryStreams(['service#a', 'lookup#2026-12-01']);
      expect(await state.getRetryStreams()).toEqual(['service#a', 'lookup#2026-12-01']);
      expect(await state.getLastRun()).toBe('2026-12-03T15:00:00.000Z');
      const mark = {
        stream: 'system',
        digestKey: 'digests/system/000000000002.json',
        lastSeq: 2,
        lastHash: 'b'.repeat(64),
        digestHash: 'd'.repeat(64),
        digestTime: '2026-12-03T15:00:00.000Z',
      };
      await state.saveMark('pruned', mark, null);
      await expect(state.saveMark('pruned', { ...mark, lastSeq: 4 }, 1)).rejects.toBeInstanceOf(StaleVersionError);
      expect(await state.getMark('pruned', 'system')).toEqual(mark);
      expect(await state.getMark('verified', 'system')).toBeNull();
      await state.saveMark('verified', { ...mark, lastSeq: 4 }, null);
      await state.saveMark('verified', { ...mark, lastSeq: 6 }, 4);
      expect((await state.getMark('verified', 'system'))?.lastSeq).toBe(6);
      expect((await state.getMark('pruned', 'system'))?.lastSeq).toBe(2);
    });

    it('deletes a stream’s records through a seq and no others; a second call finds none', async () => {
      const { log, state } = await make();
      for (let i = 0; i < 5; i++) await log.append(entry('a', `2026-12-03T10:00:0${i}.000Z`));
      await log.append(entry('b', '2026-12-03T10:00:00.000Z'));
      expect(await state.deleteRecordsThrough('service#a', 3)).toBe(3);
      expect(await state.deleteRecordsThrough('service#a', 3)).toBe(0);
      expect((await log.readChain('service#a', 0, 10)).records.map((r) => r.seq)).toEqual([4, 5]);
      expect((await log.readChain('service#b', 0, 10)).records.map((r) => r.seq)).toEqual([1]);
    });
  });
}
