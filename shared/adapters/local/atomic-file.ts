/**
 * Files the sandbox keeps its state in, written atomically: a temporary file renamed over the old
 * one, so a reader (or a restart after kill -9) sees the whole new file or the whole old one.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Writes `path` atomically: the whole file or the one before, never half of one. */
/** The file's text, or undefined when there is no such file; any other read error is thrown. */
export function readFileIfPresent(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export function writeFileAtomically(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}

/** Removes the temporary files a process killed mid-write left beside `path`; the file itself is whole. */
export function removeLeftoverTemporaries(path: string): void {
  const prefix = `${basename(path)}.`;
  let names: string[] = [];
  try {
    names = readdirSync(dirname(path));
  } catch {
    // No folder yet: nothing left over.
  }
  for (const name of names) if (name.startsWith(prefix) && name.endsWith('.tmp')) rmSync(join(dirname(path), name), { force: true });
}

/** Saves `take()` as JSON a debounce window after the first change since the last save, and at once on flush(). */
export class DebouncedJsonWriter {
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;

  constructor(
    private readonly path: string,
    private readonly take: () => unknown,
    private readonly debounceMs: number,
    /** What the file holds, for the message when a background write fails. */
    private readonly what: string,
  ) {
    removeLeftoverTemporaries(path);
  }

  changed(): void {
    this.dirty = true;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      try {
        this.flush();
      } catch (err) {
        // A failed background write must not take the sandbox down; the next change or close() tries again.
        this.dirty = true;
        console.error(`could not save ${this.what} to ${this.path}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }, this.debounceMs);
    this.timer.unref();
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.dirty) return;
    this.dirty = false;
    writeFileAtomically(this.path, JSON.stringify(this.take()));
  }
}
