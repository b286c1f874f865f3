import type { ArchiveStore } from '#ports/archive-store.ts';

/**
 * The archive bucket in memory, for use-case tests: a put is create-only, as If-None-Match makes
 * it; `tamper` adds a version over a key (what a principal who lifted the bucket policy could do;
 * the newest is read). Keys listed in UTF-8 order. It passes the ArchiveStore contract with the S3
 * adapter on the local S3 server.
 */
export class MemoryArchive implements ArchiveStore {
  /** Every version put, oldest first, with its retain-until date; tests read it. */
  readonly versions = new Map<string, { body: string; retainUntil: string }[]>();

  async put(key: string, body: string, retainUntil: string): Promise<'created' | 'exists'> {
    if (Number.isNaN(Date.parse(retainUntil))) throw new Error(`retainUntil ${retainUntil} is not a date`);
    if (this.versions.has(key)) return 'exists';
    this.tamper(key, body, retainUntil);
    return 'created';
  }

  /** A new version over the key, past the create-only condition: for tests of what verify catches. */
  tamper(key: string, body: string, retainUntil = '2099-01-01T00:00:00.000Z'): void {
    const list = this.versions.get(key) ?? [];
    list.push({ body, retainUntil });
    this.versions.set(key, list);
  }

  async get(key: string): Promise<string | null> {
    return this.versions.get(key)?.at(-1)?.body ?? null;
  }

  async list(prefix: string, options: { startAfter?: string; limit: number }): Promise<{ keys: string[]; more: boolean }> {
    const keys = [...this.versions.keys()]
      .filter((key) => key.startsWith(prefix) && (options.startAfter === undefined || utf8Compare(key, options.startAfter) > 0))
      .sort(utf8Compare);
    return { keys: keys.slice(0, options.limit), more: keys.length > options.limit };
  }
}

const utf8Compare = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
