import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { type ArchiveStore, ObjectTooLargeError } from '#ports/archive-store.ts';

/**
 * An exported archive folder (docs/audit-format.md section 6: digests/, archive/, keys/) read as
 * the archive store it was copied from: a key is a path under the folder with '/' between its
 * parts, listed in ascending order as S3's ListObjectsV2 lists. Read-only: the offline verifier
 * must not be able to change what it checks. An object over its kind's limit (OBJECT_LIMITS) is
 * refused with ObjectTooLargeError, never read.
 */
/** The largest object read whole: a digest or a key is under 2 KB; an archive object holds one digest's records. */
export const OBJECT_LIMITS = { archive: 256 * 1024 * 1024, other: 64 * 1024 };

export class FolderArchive implements Pick<ArchiveStore, 'get' | 'list'> {
  readonly #root: string;
  readonly #limits: typeof OBJECT_LIMITS;

  constructor(folder: string, limits: typeof OBJECT_LIMITS = OBJECT_LIMITS) {
    this.#root = resolve(folder);
    this.#limits = limits;
  }

  async get(key: string): Promise<string | null> {
    const path = resolve(this.#root, ...key.split('/'));
    // A key that climbs out of the folder ("../") names nothing in the archive.
    if (!path.startsWith(this.#root + sep)) return null;
    try {
      // Sized before it is read, so a planted huge object is refused by name rather than exhausting memory.
      const limit = key.startsWith('archive/') ? this.#limits.archive : this.#limits.other;
      const { size } = statSync(path);
      if (size > limit) throw new ObjectTooLargeError(key, size, limit);
      return readFileSync(path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') return null;
      throw error;
    }
  }

  async list(prefix: string, options: { startAfter?: string; limit: number }): Promise<{ keys: string[]; more: boolean }> {
    const after = options.startAfter ?? '';
    const matching = this.#allKeys()
      .filter((key) => key.startsWith(prefix) && key > after)
      .sort();
    return { keys: matching.slice(0, options.limit), more: matching.length > options.limit };
  }

  #allKeys(): string[] {
    let entries: string[];
    try {
      entries = readdirSync(this.#root, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => join(entry.parentPath, entry.name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return entries.map((path) =>
      path
        .slice(this.#root.length + 1)
        .split(sep)
        .join('/'),
    );
  }
}
