import { readFileSync, statSync } from 'node:fs';
import { FolderArchive } from '#adapters/local/folder-archive.ts';
import type { DigestBreak } from '#domain/audit-digest-check.ts';
import { ValidationError } from '#domain/errors.ts';
import { verifyArchive } from '#use-cases/verify-archive.ts';
import { type CommandContext, need, UsageError } from '../command.ts';
import { print } from '../output.ts';

/** The options `audit verify --offline` adds; it needs neither a sandbox nor AWS. */
export const offlineVerifyOptions = {
  offline: { type: 'boolean' },
  archive: { type: 'string' },
  'public-key': { type: 'string' },
} as const;

export const offlineVerifyHelp: Record<keyof typeof offlineVerifyOptions, string> = {
  offline: 'check an exported archive (hms-sys audit export) against a public key, with no sandbox, no AWS and no hms-sys state',
  archive: 'with --offline: the export folder (digests/, archive/, keys/; docs/audit-format.md)',
  'public-key': 'with --offline: the trusted PEM public key (hms-sys audit public-key --out FILE), never the copy inside the export',
};

const ONLINE_ONLY = ['service', 'lookups', 'day', 'from'];

/** The break in words: kind, where, which record, what. */
export function describeBreak(found: DigestBreak): string {
  return `${found.kind} at ${found.key}${found.seq === undefined ? '' : ` (seq ${found.seq})`}: ${found.problem}`;
}

/** `hms-sys audit verify --offline --archive DIR --public-key FILE`: exits 1 naming the first break of each broken stream. */
export async function verifyOffline(ctx: CommandContext): Promise<void> {
  const online = ONLINE_ONLY.find((name) => ctx.values[name] !== undefined);
  if (online) throw new UsageError(`--${online} checks the live audit table; --offline checks an export: give one or the other`);
  const dir = need(ctx, 'archive');
  const keyFile = need(ctx, 'public-key');
  if (!isFolder(dir)) throw new UsageError(`--archive ${dir} is not a folder`);
  let pem: string;
  try {
    pem = readFileSync(keyFile, 'utf8');
  } catch (error) {
    throw new UsageError(`--public-key ${keyFile} cannot be read: ${(error as Error).message}`);
  }
  let report: Awaited<ReturnType<typeof verifyArchive>>;
  try {
    report = await verifyArchive(new FolderArchive(dir), pem);
  } catch (error) {
    if (error instanceof ValidationError) throw new UsageError(`--public-key ${keyFile}: ${error.message}`);
    throw error;
  }
  if (report.streams.length === 0) throw new Error(`${dir} holds no digests (no digests/<stream>/...json): is it an export made by hms-sys audit export?`);
  if (ctx.output === 'json') print(report, 'json');
  else {
    const rows = report.streams.map((stream) => ({ ...stream, break: stream.break ? describeBreak(stream.break) : null }));
    print(rows, 'table', ['stream', 'digests', 'records', 'verifiedThrough', 'newestDigestTime', 'break']);
    for (const found of report.undigested) console.log(`${found.stream}: ${describeBreak(found)}`);
  }
  if (!report.intact) {
    const broken = [...report.streams.flatMap((stream) => (stream.break ? [stream.break] : [])), ...report.undigested];
    throw new Error(`the archive is not intact: ${broken.map((found) => `${found.stream}: ${describeBreak(found)}`).join('; ')}`);
  }
  if (ctx.output !== 'json') console.log(`\nintact: ${report.streams.length} streams, every digest signed by the key given, chained, and matching its archive`);
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
