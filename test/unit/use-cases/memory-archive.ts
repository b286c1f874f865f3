import type { ArchiveStore } from '#ports/archive-store.ts';

/**
 * The archive bucket in memory, for use-case tests: write-once as compliance mode makes it (a
 * second put of a key adds a version; the newest is read), keys listed in UTF-8 order. It passes
 * the ArchiveStore contract with the S3 adapter on the local S3 server.
 */
export class MemoryArchive implements ArchiveStore {
  /** Every version put, oldest first, with its retain-until date; tests read it. */
  readonly versions = new Map<string, { body: string; retainUntil: string }[]>();

  async put(key: string, body: string, retainUntil: string): Promise<void> {
    if (Number.isNaN(Date.parse(retainUntil))) throw new Error(`retainUntil ${retainUntil} is not a date`);
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
