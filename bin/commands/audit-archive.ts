import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { ARCHIVE_PREFIX, DIGEST_PREFIX, KEY_PREFIX } from '#domain/audit-digest.ts';
import type { ArchiveStore } from '#ports/archive-store.ts';
import { type Command, need, UsageError } from '../command.ts';
import { print } from '../output.ts';
import { runningSession } from '../session.ts';

interface DigestRun {
  digests: { stream: string; firstSeq: number; lastSeq: number; key: string }[];
  failures: { stream: string; problem: string }[];
  complete: boolean;
}

/** A bucket key an export may hold: digests/, archive/ or keys/, then plain parts (no '', '.', '..', backslash or NUL). */
export function exportableKey(key: string): boolean {
  const [prefix, ...rest] = key.split('/');
  if (!EXPORT_PREFIXES.includes(`${prefix}/`) || rest.length === 0) return false;
  return rest.every((part) => part !== '' && part !== '.' && part !== '..' && !/[\\\0]/.test(part));
}

const EXPORT_PREFIXES = [DIGEST_PREFIX, ARCHIVE_PREFIX, KEY_PREFIX];

/**
 * Copies the archive's objects under each prefix into `dir`, one file per key, laid out as the
 * bucket is. A key that is not a plain path under the layout (e.g. keys/../../x) is never
 * written: it is pushed onto `skipped` and the copy goes on.
 */
export async function exportArchive(source: Pick<ArchiveStore, 'get' | 'list'>, prefixes: string[], dir: string, skipped: string[] = []): Promise<number> {
  const root = resolve(dir);
  let copied = 0;
  for (const prefix of prefixes) {
    let startAfter: string | undefined;
    for (;;) {
      const page = await source.list(prefix, { limit: 1000, ...(startAfter ? { startAfter } : {}) });
      for (const key of page.keys) {
        startAfter = key;
        const path = resolve(root, ...key.split('/'));
        if (!exportableKey(key) || !path.startsWith(root + sep)) {
          skipped.push(key);
          continue;
        }
        const body = await source.get(key);
        if (body === null) continue;
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, body);
        copied += 1;
      }
      if (!page.more || page.keys.length === 0) break;
    }
  }
  return copied;
}

/**
 * Exports into a new folder beside `dir`, renamed into place only once complete, so a failure
 * part-way leaves `dir` as it was (and no partial export). With `replace`, `dir`'s entries go
 * only then.
 */
export async function exportInto(dir: string, replace: boolean, copy: (staging: string) => Promise<number>): Promise<number> {
  const target = resolve(dir);
  mkdirSync(dirname(target), { recursive: true });
  const staging = mkdtempSync(join(dirname(target), `.${basename(target)}.export-`));
  try {
    const copied = await copy(staging);
    if (copied === 0) throw new Error('the archive holds no digests yet: run hms-sys audit digest first');
    if (existsSync(target)) {
      if (replace) for (const entry of readdirSync(target)) rmSync(join(target, entry), { recursive: true, force: true });
      rmdirSync(target);
    }
    renameSync(staging, target);
    return copied;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** What a folder holds; nothing for one that does not exist yet. */
function entriesOf(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return [];
    if (code === 'ENOTDIR') throw new UsageError(`--out ${dir} is a file (or under one), not a folder: give a folder to export into`);
    throw error;
  }
}

export const auditArchiveCommands: Command[] = [
  {
    name: 'audit digest',
    summary: 'sign a digest now for every audit stream changed since the last run (POST /audit/digests; also hourly)',
    usage: 'audit digest',
    options: {},
    describe: {},
    run: async (ctx) => {
      const written: DigestRun['digests'] = [];
      let run: DigestRun;
      do {
        run = (await ctx.api().call('POST', '/audit/digests')) as DigestRun;
        written.push(...run.digests);
      } while (!run.complete && run.failures.length === 0 && run.digests.length > 0);
      if (ctx.output === 'json') return print({ ...run, digests: written }, 'json');
      if (written.length === 0 && run.failures.length === 0) {
        console.log('nothing to sign: no audit stream has records since its newest digest');
        return;
      }
      print(written, 'table', ['stream', 'firstSeq', 'lastSeq', 'key']);
      for (const failure of run.failures) console.log(`not digested: ${failure.stream}: ${failure.problem}`);
      if (run.failures.length > 0) throw new Error(`${run.failures.length} stream(s) could not be digested`);
    },
  },
  {
    name: 'audit public-key',
    summary: 'the public key (PEM) that verifies the signed audit digests, from the signing key itself',
    usage: 'audit public-key [--out FILE]',
    options: { out: { type: 'string' } },
    describe: { out: 'write the PEM to this file (for audit verify --offline --public-key FILE)' },
    run: async (ctx) => {
      const key = (await ctx.api().call('GET', '/audit/public-key')) as { keyId: string; pem: string; key: string };
      if (typeof ctx.values.out === 'string') {
        writeFileSync(ctx.values.out, key.pem);
        console.log(`wrote ${key.keyId}'s public key to ${ctx.values.out}`);
      } else if (ctx.output === 'json') print(key, 'json');
      else process.stdout.write(key.pem);
    },
  },
  {
    name: 'audit export',
    summary: 'copy the audit archive (digests/, archive/, keys/) into a folder, for audit verify --offline',
    usage: 'audit export --out DIR [--force] [--stream S] [--bucket B --region R]',
    options: { out: { type: 'string' }, force: { type: 'boolean' }, stream: { type: 'string' }, bucket: { type: 'string' }, region: { type: 'string' } },
    describe: {
      out: 'the folder to write, laid out as the bucket is: a new or empty one (a stale file would be verified with the rest)',
      force: 'empty --out first, deleting everything in it',
      stream: 'only this stream (e.g. service#orders, system, lookup#2026-12-03); keys/ always',
      bucket: "the deployed archive bucket (AuditArchiveBucketName), read with your AWS credentials; without it, the running sandbox's",
      region: 'with --bucket: its Region',
    },
    globals: ['output', 'data-dir'],
    run: async (ctx) => {
      const dir = need(ctx, 'out');
      const present = entriesOf(dir);
      if (present.length > 0 && ctx.values.force !== true) {
        throw new UsageError(
          `--out ${dir} is not empty (${present.slice(0, 3).join(', ')}${present.length > 3 ? ', …' : ''}): an export into it would keep files the archive no longer has beside the new ones. Give a new folder, or --force to empty it first`,
        );
      }
      const { S3ArchiveStore, s3Client } = await import('#adapters/aws/s3-archive-store.ts');
      let source: Pick<ArchiveStore, 'get' | 'list'>;
      if (typeof ctx.values.bucket === 'string') {
        source = new S3ArchiveStore({ client: s3Client({ region: need(ctx, 'region') }), bucket: ctx.values.bucket });
      } else {
        if (ctx.values.region !== undefined) throw new UsageError('--region goes with --bucket');
        const session = runningSession(ctx.dataDir);
        if (!session?.s3Endpoint || !session.auditBucket)
          throw new Error('no sandbox is running here: start one with npm start, or give --bucket and --region');
        source = new S3ArchiveStore({ client: s3Client({ region: 'us-east-1', endpoint: session.s3Endpoint }), bucket: session.auditBucket });
      }
      const stream = typeof ctx.values.stream === 'string' ? `${encodeURIComponent(ctx.values.stream)}/` : '';
      const skipped: string[] = [];
      const prefixes = [`${DIGEST_PREFIX}${stream}`, `${ARCHIVE_PREFIX}${stream}`, KEY_PREFIX];
      // Written beside DIR and renamed into place when complete: a failure leaves DIR as it was.
      const copied = await exportInto(dir, present.length > 0, (staging) => exportArchive(source, prefixes, staging, skipped));
      for (const key of skipped) console.error(`warning: skipped the key ${JSON.stringify(key)}: not a plain path under digests/, archive/ or keys/`);
      if (ctx.output === 'json') print({ out: resolve(dir), objects: copied, skipped }, 'json');
      else console.log(`exported ${copied} objects to ${resolve(dir)}${skipped.length > 0 ? ` (${skipped.length} keys skipped)` : ''}`);
    },
  },
];
