import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import type { ArchiveStore } from '#ports/archive-store.ts';

/**
 * An exported archive folder (docs/audit-format.md section 6: digests/, archive/, keys/) read as
 * the archive store it was copied from: a key is a path under the folder with '/' between its
 * parts, listed in ascending order as S3's ListObjectsV2 lists. Read-only: the offline verifier
 * must not be able to change what it checks.
 */
export class FolderArchive implements Pick<ArchiveStore, 'get' | 'list'> {
  readonly #root: string;

  constructor(folder: string) {
    this.#root = resolve(folder);
  }

  async get(key: string): Promise<string | null> {
    const path = resolve(this.#root, ...key.split('/'));
    // A key that climbs out of the folder ("../") names nothing in the archive.
    if (!path.startsWith(this.#root + sep)) return null;
    try {
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
