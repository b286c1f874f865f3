/**
 * Write-once storage for audit digests and the JSON Lines archive of records: S3 with Object
 * Lock in compliance mode in AWS, a local S3-wire server in the sandbox. A version put with a
 * retention date cannot be deleted or have its retention shortened by anyone until then; a new
 * version over its key, or a delete marker hiding it, is what the create-only put and the bucket
 * policy stop (docs/audit-format.md, "What protects the bucket").
 */
export interface ArchiveStore {
  /**
   * Stores `body` under `key`, locked (compliance mode) until `retainUntil` (ISO), only if no object
   * is there (S3's If-None-Match: *): 'exists', with nothing written, when one is.
   */
  put(key: string, body: string, retainUntil: string): Promise<'created' | 'exists'>;
  /** The object's body, or null when there is none. */
  get(key: string): Promise<string | null>;
  /** Keys under `prefix` in ascending order, after `startAfter`, up to `limit`. */
  list(prefix: string, options: { startAfter?: string; limit: number }): Promise<{ keys: string[]; more: boolean }>;
}

/** An object a reader refuses to load whole: it is larger than any object of its kind should be. */
export class ObjectTooLargeError extends Error {
  constructor(
    readonly key: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`${key} is ${bytes} bytes, over the ${limit}-byte limit for an object of its kind`);
    this.name = 'ObjectTooLargeError';
  }
}
