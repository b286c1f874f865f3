import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readFileIfPresent, writeFileAtomically } from '../atomic-file.ts';

/** One version of a key: an object, or a delete marker. */
export interface ObjectVersion {
  versionId: string;
  deleteMarker: boolean;
  etag: string;
  size: number;
  lastModified: string;
  sha256?: string;
  lockMode?: 'COMPLIANCE' | 'GOVERNANCE';
  retainUntil?: string;
}

/** Why S3 refuses a request, as its error code, HTTP status and message. */
export class S3Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'S3Refusal';
  }
}

/**
 * A bucket with versioning and Object Lock, as S3 keeps one
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html): a put adds a version,
 * a delete without a version id adds a delete marker and removes nothing, and a version locked in
 * compliance mode cannot be deleted by anyone until its retain-until date. Kept on disk when given
 * a folder: one metadata file per key (its versions, newest last) and one file per version's bytes.
 */
export class VersionedBucket {
  readonly #versions = new Map<string, ObjectVersion[]>();
  readonly #bodies = new Map<string, Buffer>();
  #sortedKeys: string[] | null = null;

  constructor(
    readonly name: string,
    private readonly dir: string | undefined,
    private readonly now: () => Date,
  ) {
    if (!dir) return;
    mkdirSync(join(dir, 'keys'), { recursive: true });
    mkdirSync(join(dir, 'bodies'), { recursive: true });
    for (const file of readdirSync(join(dir, 'keys'))) {
      if (!file.endsWith('.json')) continue;
      const text = readFileIfPresent(join(dir, 'keys', file));
      if (text !== undefined) this.#versions.set(decodeURIComponent(file.slice(0, -'.json'.length)), JSON.parse(text) as ObjectVersion[]);
    }
  }

  put(key: string, body: Buffer, lock: { mode: 'COMPLIANCE' | 'GOVERNANCE'; retainUntil: string } | null): ObjectVersion {
    const version: ObjectVersion = {
      versionId: newVersionId(),
      deleteMarker: false,
      etag: `"${createHash('md5').update(body).digest('hex')}"`,
      size: body.length,
      lastModified: this.now().toISOString(),
      sha256: createHash('sha256').update(body).digest('base64'),
      ...(lock ? { lockMode: lock.mode, retainUntil: lock.retainUntil } : {}),
    };
    if (this.dir) writeFileSync(join(this.dir, 'bodies', version.versionId), body);
    else this.#bodies.set(version.versionId, body);
    this.#append(key, version);
    return version;
  }

  /** The current version, or a given one; null when there is none (a delete marker is returned as such). */
  version(key: string, versionId?: string): ObjectVersion | null {
    const versions = this.#versions.get(key) ?? [];
    return (versionId === undefined ? versions[versions.length - 1] : versions.find((v) => v.versionId === versionId)) ?? null;
  }

  body(version: ObjectVersion): Buffer {
    return this.dir ? readFileSync(join(this.dir, 'bodies', version.versionId)) : (this.#bodies.get(version.versionId) ?? Buffer.alloc(0));
  }

  /** A simple DELETE: a new delete marker on top; every version stays. */
  addDeleteMarker(key: string): ObjectVersion {
    const marker: ObjectVersion = { versionId: newVersionId(), deleteMarker: true, etag: '', size: 0, lastModified: this.now().toISOString() };
    this.#append(key, marker);
    return marker;
  }

  /** DELETE with a version id: refused (403 AccessDenied) while the version is under compliance retention. */
  deleteVersion(key: string, versionId: string): ObjectVersion | null {
    const versions = this.#versions.get(key) ?? [];
    const version = versions.find((v) => v.versionId === versionId);
    if (!version) return null;
    if (version.lockMode && version.retainUntil && Date.parse(version.retainUntil) > this.now().getTime()) {
      throw new S3Refusal(403, 'AccessDenied', 'Access Denied because object protected by object lock.');
    }
    const left = versions.filter((v) => v !== version);
    if (left.length > 0) this.#versions.set(key, left);
    else this.#versions.delete(key);
    this.#sortedKeys = null;
    this.#save(key);
    if (!version.deleteMarker) {
      if (this.dir) rmSync(join(this.dir, 'bodies', version.versionId), { force: true });
      else this.#bodies.delete(version.versionId);
    }
    return version;
  }

  /** Keys whose current version is an object (not a delete marker), ascending, after `startAfter`. */
  listKeys(prefix: string, startAfter: string | undefined, maxKeys: number): { keys: { key: string; version: ObjectVersion }[]; truncated: boolean } {
    this.#sortedKeys ??= [...this.#versions.keys()].sort(byUtf8);
    const keys: { key: string; version: ObjectVersion }[] = [];
    const from = startAfter === undefined ? 0 : firstAfter(this.#sortedKeys, startAfter);
    for (const key of this.#sortedKeys.slice(from)) {
      if (keys.length > maxKeys) break;
      if (!key.startsWith(prefix)) {
        if (key > prefix) break;
        continue;
      }
      const current = this.version(key);
      if (current && !current.deleteMarker) keys.push({ key, version: current });
    }
    return { keys: keys.slice(0, maxKeys), truncated: keys.length > maxKeys };
  }

  #append(key: string, version: ObjectVersion): void {
    const versions = this.#versions.get(key);
    if (versions) versions.push(version);
    else {
      this.#versions.set(key, [version]);
      this.#sortedKeys = null;
    }
    this.#save(key);
  }

  #save(key: string): void {
    if (!this.dir) return;
    const path = join(this.dir, 'keys', `${encodeURIComponent(key)}.json`);
    const versions = this.#versions.get(key);
    if (versions) writeFileAtomically(path, JSON.stringify(versions));
    else rmSync(path, { force: true });
  }
}

/** S3 orders keys by their UTF-8 bytes. */
function byUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** The index of the first key sorting after `after` (binary search). */
function firstAfter(sorted: string[], after: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (byUtf8(sorted[mid] ?? '', after) <= 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

const newVersionId = () => randomBytes(16).toString('base64url');
