import { BatchWriteItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { auditItem, DynamoDbAuditLog } from '#adapters/aws/dynamodb-audit-log.ts';
import { type AuditEntry, type AuditRecord, chainEntry, hashRecord } from '#domain/audit.ts';
import { encodeCursor } from '#domain/cursor.ts';
import { ValidationError } from '#domain/errors.ts';
import { type VerifyBudget, type VerifyReport, verifyAuditChain } from '#use-cases/audit-verify.ts';
import { useDynalite } from '../adapters/dynalite-fixture.ts';
import { memoryPorts } from './memory-ports.ts';

const dynalite = useDynalite();

function entry(n: number): AuditEntry {
  return {
    time: new Date(Date.UTC(2026, 0, 1) + n * 60_000).toISOString(),
    actor: 'role/hms-sys-reconciler',
    action: 'scale.decide',
    target: 'deployment/apps/api',
    before: { replicas: 4 },
    after: { replicas: 4 },
    outcome: 'skipped',
    reasons: [`pass ${n}`],
    requestId: `pass-${n}`,
    service: 'api',
  };
}

function chain(length: number): AuditRecord[] {
  const records: AuditRecord[] = [];
  for (let n = 1; n <= length; n++) records.push(chainEntry(entry(n), 'service#api', records.at(-1) ?? null));
  return records;
}

/** Re-links records from index `from` on, each re-hashed over its edited predecessor: a rewrite with consistent hashes. */
function rehashFrom(records: AuditRecord[], from: number): void {
  for (let i = from; i < records.length; i++) {
    const { hash: _old, ...rest } = records[i]!;
    const unhashed = { ...rest, prevHash: i === 0 ? rest.prevHash : records[i - 1]!.hash };
    records[i] = { ...unhashed, hash: hashRecord(unhashed) };
  }
}

const budget = (maxRecords: number, pageSize = 4): VerifyBudget => ({ maxRecords, pageSize, shouldStop: () => false });

function seeded(length: number) {
  const { ports, clock } = memoryPorts(new Date('2027-01-01T00:00:00Z'));
  ports.audit.records.push(...chain(length));
  return { ports, clock, records: ports.audit.records };
}

describe('verifying an audit chain from its checkpoint', () => {
  it('goes on from where the last call stopped, storing the checkpoint as it goes', async () => {
    const { ports } = seeded(25);
    const first = await verifyAuditChain(ports, { service: 'api', from: 'checkpoint' }, budget(10));
    expect(first).toMatchObject({ intact: true, complete: false, startedAfter: 0, verifiedThrough: 10, records: 10, cursor: null });
    expect(first.checkpoint).toMatchObject({ seq: 10, hash: ports.audit.records[9]!.hash, verifiedAt: '2027-01-01T00:00:00.000Z' });

    const second = await verifyAuditChain(ports, { service: 'api', from: 'checkpoint' }, budget(10));
    expect(second).toMatchObject({ intact: true, complete: false, startedAfter: 10, verifiedThrough: 20, records: 10 });
    const third = await verifyAuditChain(ports, { service: 'api', from: 'checkpoint' }, budget(10));
    expect(third).toMatchObject({ intact: true, complete: true, startedAfter: 20, verifiedThrough: 25, records: 5 });

    ports.audit.records.push(chainEntry(entry(26), 'service#api', ports.audit.records.at(-1)!));
    const later = await verifyAuditChain(ports, { service: 'api', from: 'checkpoint' }, budget(10));
    expect(later).toMatchObject({ intact: true, complete: true, startedAfter: 25, verifiedThrough: 26, records: 1 });
  });

  it('stops between pages when its time is up, and says how far it got', async () => {
    const { ports } = seeded(20);
    let pages = 0;
    const report = await verifyAuditChain(ports, { service: 'api', from: 'checkpoint' }, { maxRecords: 1_000, pageSize: 3, shouldStop: () => pages++ >= 2 });
    expect(report).toMatchObject({ complete: false, verifiedThrough: 6, records: 6 });
  });

  it('finds a record edited after the checkpoint, and keeps the checkpoint before it', async () => {
    const { ports, records } = seeded(25);
    await verifyAuditChain(ports, { service: 'api', from: 'checkpoint' }, budget(10));
    records[14] = { ...records[14]!, outcome: 'success' };

    const report = await verifyAuditChain(ports, { service: 'api', from: 'checkpoint' }, budget(100));
    expect(report).toMatchObject({ intact: false, complete: true, firstBreak: { seq: 15, problem: 'hash does not match the record' }, verifiedThrough: 14 });
    expect(report.checkpoint?.seq).toBe(14);
    const again = await verifyAuditChain(ports, { service: 'api', from: 'checkpoint' }, budget(100));
    expect(again.firstBreak).toEqual({ seq: 15, problem: 'hash does not match the record' });
  });

  it('finds a record deleted after the checkpoint', async () => {
    const { ports, records } = seeded(25);
    await verifyAuditChain(ports, { service: 'api', from: 'checkpoint' }, budget(10));
    records.splice(17, 1);
    const report = await verifyAuditChain(ports, { service: 'api', from: 'checkpoint' }, budget(100));
    expect(report.firstBreak).toEqual({ seq: 19, problem: 'expected seq 18' });
  });

  it('finds a chain rewritten with consistent hashes from before the checkpoint, from either end', async () => {
    const { ports, records } = seeded(25);
    await verifyAuditChain(ports, { service: 'api', from: 'checkpoint' }, budget(10));
    records[4] = { ...records[4]!, after: { replicas: 40 } };
    rehashFrom(records, 4);

    const fromCheckpoint = await verifyAuditChain(ports, { service: 'api', from: 'checkpoint' }, budget(100));
    expect(fromCheckpoint).toMatchObject({ intact: false, firstBreak: { seq: 10, problem: 'the record no longer has the hash it had when it was verified' } });
    const fromGenesis = await verifyAuditChain(ports, { service: 'api', from: 'genesis' }, budget(100));
    expect(fromGenesis).toMatchObject({ intact: false, firstBreak: { seq: 10, problem: 'hash differs from the one stored at the verify checkpoint' } });
  });

  it('leaves an edit before the checkpoint to a genesis run, which finds it', async () => {
    const { ports, records } = seeded(25);
    await verifyAuditChain(ports, { service: 'api', from: 'checkpoint' }, budget(10));
    records[2] = { ...records[2]!, actor: 'user/mallory' };

    expect(await verifyAuditChain(ports, { service: 'api', from: 'checkpoint' }, budget(100))).toMatchObject({ intact: true, verifiedThrough: 25 });
    const genesis = await verifyAuditChain(ports, { service: 'api', from: 'genesis' }, budget(100));
    expect(genesis).toMatchObject({ intact: false, firstBreak: { seq: 3, problem: 'hash does not match the record' } });
  });

  it('runs from genesis across calls with a cursor, without moving the checkpoint', async () => {
    const { ports } = seeded(25);
    const reports: VerifyReport[] = [];
    let cursor: string | undefined;
    do {
      const report = await verifyAuditChain(ports, { service: 'api', from: 'genesis', ...(cursor ? { cursor } : {}) }, budget(7));
      reports.push(report);
      cursor = report.cursor ?? undefined;
    } while (cursor);
    expect(reports.map((r) => [r.startedAfter, r.verifiedThrough, r.complete])).toEqual([
      [0, 7, false],
      [7, 14, false],
      [14, 21, false],
      [21, 25, true],
    ]);
    expect(reports.every((r) => r.intact)).toBe(true);
    expect(await ports.audit.getCheckpoint('service#api')).toBeNull();
  });

  it("refuses a cursor it did not hand out, one from another stream's run, and a cursor on a checkpoint run", async () => {
    const { ports } = seeded(5);
    const forged = Buffer.from(JSON.stringify({ seq: 3, hash: 'f'.repeat(64) })).toString('base64url');
    await expect(verifyAuditChain(ports, { service: 'api', from: 'genesis', cursor: forged }, budget(10))).rejects.toBeInstanceOf(ValidationError);
    const partial = await verifyAuditChain(ports, { service: 'api', from: 'genesis' }, budget(2));
    expect(partial.cursor).not.toBeNull();
    await expect(verifyAuditChain(ports, { service: 'web', from: 'genesis', cursor: partial.cursor! }, budget(10))).rejects.toMatchObject({
      field: 'query.cursor',
    });
    expect(await verifyAuditChain(ports, { service: 'api', from: 'genesis', cursor: partial.cursor! }, budget(10))).toMatchObject({
      intact: true,
      complete: true,
    });
    await expect(verifyAuditChain(ports, { service: 'api', from: 'genesis', cursor: 'bm9wZQ' }, budget(10))).rejects.toBeInstanceOf(ValidationError);
    await expect(verifyAuditChain(ports, { service: 'api', from: 'checkpoint', cursor: forged }, budget(10))).rejects.toBeInstanceOf(ValidationError);
  });

  it('refuses a well-formed cursor past the stream head, and names a break where the record a cursor names was deleted', async () => {
    const { ports, records } = seeded(5);
    const made = (seq: number) => encodeCursor('audit-verify', { stream: 'service#api' }, { seq, hash: 'f'.repeat(64) });
    for (const seq of [Number.MAX_SAFE_INTEGER, 6]) {
      await expect(verifyAuditChain(ports, { service: 'api', from: 'genesis', cursor: made(seq) }, budget(10))).rejects.toMatchObject({
        name: 'ValidationError',
        field: 'query.cursor',
      });
    }
    const partial = await verifyAuditChain(ports, { service: 'api', from: 'genesis' }, budget(2));
    records.splice(1, 1);
    expect(await verifyAuditChain(ports, { service: 'api', from: 'genesis', cursor: partial.cursor! }, budget(10))).toMatchObject({
      intact: false,
      firstBreak: { seq: 2, problem: 'the record the run starts after is missing' },
    });
  });

  it('keeps the checkpoint another verifier stored first', async () => {
    const { ports } = seeded(10);
    const save = ports.audit.saveCheckpoint.bind(ports.audit);
    ports.audit.saveCheckpoint = async (checkpoint, expected) => {
      ports.audit.checkpoints.set(checkpoint.stream, { ...checkpoint, seq: 9, verifiedAt: 'other' });
      return save(checkpoint, expected);
    };
    const report = await verifyAuditChain(ports, { service: 'api', from: 'checkpoint' }, budget(100));
    expect(report).toMatchObject({ intact: true, verifiedThrough: 10, checkpoint: { seq: 9, verifiedAt: 'other' } });
  });
});

describe('verifying a large stream in dynalite', () => {
  it('verifies 20,000 records across calls of at most 6,000 each, then only what was appended since', async () => {
    const { audit: tableName } = await dynalite.freshTables();
    const log = new DynamoDbAuditLog({ client: dynalite.client, tableName });
    const records = chain(20_000);
    const batches: AuditRecord[][] = [];
    for (let i = 0; i < records.length; i += 25) batches.push(records.slice(i, i + 25));
    const writeBatches = async () => {
      for (let batch = batches.shift(); batch; batch = batches.shift()) {
        await dynalite.client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: batch.map((r) => ({ PutRequest: { Item: auditItem(r) } })) } }));
      }
    };
    await Promise.all(Array.from({ length: 8 }, writeBatches));
    const ports = { audit: log, clock: { now: () => new Date('2027-01-01T00:00:00Z') } };

    const calls: VerifyReport[] = [];
    do calls.push(await verifyAuditChain(ports, { service: 'api', from: 'checkpoint' }, budget(6_000, 1_000)));
    while (!calls.at(-1)!.complete);
    expect(calls.map((c) => c.verifiedThrough)).toEqual([6_000, 12_000, 18_000, 20_000]);
    expect(calls.every((c) => c.intact)).toBe(true);
    expect(await log.getCheckpoint('service#api')).toMatchObject({ seq: 20_000, hash: records.at(-1)!.hash });

    await log.append({ ...entry(20_001), outcome: 'success' });
    const next = await verifyAuditChain(ports, { service: 'api', from: 'checkpoint' }, budget(6_000, 1_000));
    expect(next).toMatchObject({ intact: true, complete: true, startedAfter: 20_000, verifiedThrough: 20_001, records: 1 });
  }, 120_000);
});

describe('verifying the stream of a service that never existed', () => {
  it('answers not found, naming the service, instead of an intact chain of no records', async () => {
    const { ports } = seeded(3);
    for (const from of ['checkpoint', 'genesis'] as const) {
      const verifying = verifyAuditChain(ports, { service: 'nosuch', from }, budget(10));
      await expect(verifying).rejects.toMatchObject({ name: 'NotFoundError', field: 'query.service', message: 'audit stream of service nosuch was not found' });
    }
    expect((await verifyAuditChain(ports, { service: 'api', from: 'genesis' }, budget(10))).records).toBe(3);
    expect(await ports.audit.getCheckpoint('service#nosuch')).toBeNull();
  });
});
