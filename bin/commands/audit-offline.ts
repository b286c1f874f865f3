import { readFileSync, realpathSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { FolderArchive } from '#adapters/local/folder-archive.ts';
import type { DigestBreak } from '#domain/audit-digest-check.ts';
import { ValidationError } from '#domain/errors.ts';
import { verifyArchive } from '#use-cases/verify-archive.ts';
import { type CommandContext, need, UsageError } from '../command.ts';
import { print } from '../output.ts';
import { keyNotes } from './audit-offline-keys.ts';

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
  const inside = exportsOwnCopy(dir, keyFile);
  if (inside) {
    console.error(
      `warning: --public-key ${keyFile} is the export's own copy (${inside}): whoever could alter the export could alter it too; take the key from a source you trust (hms-sys audit public-key --out FILE, or aws kms get-public-key)`,
    );
  }
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
    const notes = keyNotes(dir, pem, broken);
    if (ctx.output !== 'json') for (const note of notes) console.log(`note: ${note}`);
    throw new Error(`the archive is not intact: ${[...broken.map((found) => `${found.stream}: ${describeBreak(found)}`), ...notes].join('; ')}`);
  }
  if (ctx.output !== 'json') console.log(`\nintact: ${report.streams.length} streams, every digest signed by the key given, chained, and matching its archive`);
}

/** The key file's place under the export's keys/ when it is the export's own copy, else null. */
function exportsOwnCopy(dir: string, keyFile: string): string | null {
  try {
    const keys = realpathSync(join(dir, 'keys'));
    const file = realpathSync(keyFile);
    return file.startsWith(keys + sep) ? `keys/${relative(keys, file).split(sep).join('/')}` : null;
  } catch {
    return null;
  }
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
