import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { LocalAuditSigner } from '#adapters/local/local-audit-signer.ts';
import { type AuditEntry, type AuditRecord, chainEntry } from '#domain/audit.ts';
import { type AuditDigest, archiveBody, archiveKey, buildDigest, digestKey, digestSigningInput, publicKeyKey } from '#domain/audit-digest.ts';
import { canonicalJson } from '#domain/canonical-json.ts';
import type { AuditSigner } from '#ports/audit-signer.ts';

/**
 * An export folder made as the digest function makes the bucket (docs/audit-format.md section 6),
 * from the domain's own functions and a local signer, with helpers to tamper with it.
 */
export interface ExportFixture {
  dir: string;
  /** The trusted public key, as a PEM file beside (not inside) the export. */
  publicKeyFile: string;
  publicKeyPem: string;
  /** Each stream's records, all of them, and its digests in order. */
  streams: Map<string, { records: AuditRecord[]; digests: AuditDigest[] }>;
  path(key: string): string;
  read(key: string): string;
  write(key: string, body: string): void;
  remove(key: string): void;
}

/** Records of a stream: rule and scale changes (or lookups on a lookup# stream), with text that exercises the canonical form. */
export function streamRecords(stream: string, count: number, actor = 'alice@agency.gov'): AuditRecord[] {
  const records: AuditRecord[] = [];
  for (let n = 1; n <= count; n += 1) {
    const lookup = stream.startsWith('lookup#');
    const entry: AuditEntry = {
      time: `2026-12-03T${String(8 + Math.floor(n / 60)).padStart(2, '0')}:${String(n % 60).padStart(2, '0')}:00.000Z`,
      actor,
      action: lookup ? 'lookup.listAuditRecords' : n % 2 ? 'rule.update' : 'service.scale',
      target: lookup ? '/audit' : `rule/AR-${100 + n}`,
      before: lookup ? { query: { limit: '50' } } : { threshold: n / 3 },
      after: lookup ? null : { threshold: (n + 1) / 3, note: `é ☕ 😀 "quoted" \\ \u0001` },
      outcome: n % 5 === 0 ? 'failure' : 'success',
      reasons: [`change ${n}`],
      requestId: `req-${n}`,
      ...(stream.startsWith('service#') ? { service: stream.slice('service#'.length), tags: { agency: 'ED', 'fiscal-year': 'FY2026' } } : {}),
      ...(lookup ? { kind: 'lookup' as const } : {}),
    };
    records.push(chainEntry(entry, stream, records.at(-1) ?? null));
  }
  return records;
}

/**
 * Writes an export: for each stream, `batches` digests of that many records each, signed by
 * `signer` (a fresh local signer by default).
 */
export async function writeExport(layout: Record<string, number[]>, signer?: AuditSigner): Promise<ExportFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'hms-export-'));
  const keyFolder = mkdtempSync(join(tmpdir(), 'hms-export-key-'));
  const chosen = signer ?? new LocalAuditSigner({ keyFile: join(keyFolder, 'signing-key.pem') });
  const { pem, keyId } = await chosen.publicKey();
  const path = (key: string) => join(dir, ...key.split('/'));
  const write = (key: string, body: string) => {
    mkdirSync(dirname(path(key)), { recursive: true });
    writeFileSync(path(key), body);
  };
  const streams = new Map<string, { records: AuditRecord[]; digests: AuditDigest[] }>();
  for (const [stream, batches] of Object.entries(layout)) {
    const records = streamRecords(
      stream,
      batches.reduce((sum, n) => sum + n, 0),
    );
    const digests = await digestAll(stream, records, batches, chosen, keyId, write);
    streams.set(stream, { records, digests });
  }
  write(publicKeyKey(keyId), pem);
  const publicKeyFile = join(keyFolder, 'audit-public-key.pem');
  writeFileSync(publicKeyFile, pem);
  return {
    dir,
    publicKeyFile,
    publicKeyPem: pem,
    streams,
    path,
    read: (key) => readFileSync(path(key), 'utf8'),
    write,
    remove: (key) => rmSync(path(key)),
  };
}

/** Digests `records` in `batches`, writing each archive then its digest as the digest function does; returns the digests. */
export async function digestAll(
  stream: string,
  records: AuditRecord[],
  batches: number[],
  signer: AuditSigner,
  keyId: string,
  write: (key: string, body: string) => void,
): Promise<AuditDigest[]> {
  const digests: AuditDigest[] = [];
  let start = 0;
  for (const [i, size] of batches.entries()) {
    const batch = records.slice(start, start + size);
    start += size;
    const key = archiveKey(stream, batch[0]!.seq, batch.at(-1)!.seq);
    const unsigned = buildDigest({
      stream,
      records: batch,
      previous: digests.at(-1) ?? null,
      digestTime: `2026-12-03T${String(10 + i).padStart(2, '0')}:00:00.000Z`,
      archiveKey: key,
      keyId,
    });
    const digest = { ...unsigned, signature: (await signer.sign(digestSigningInput(unsigned))).signature };
    write(key, archiveBody(batch));
    write(digestKey(stream, digest.lastSeq), canonicalJson(digest));
    digests.push(digest);
  }
  return digests;
}
