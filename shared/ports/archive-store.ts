/**
 * Write-once storage for audit digests and the JSON Lines archive of records: S3 with Object
 * Lock in compliance mode in AWS, a local S3-wire server in the sandbox. An object put with a
 * retention date cannot be deleted or replaced by anyone until then.
 */
export interface ArchiveStore {
  /** Stores `body` under `key`, locked (compliance mode) until `retainUntil` (ISO). */
  put(key: string, body: string, retainUntil: string): Promise<void>;
  /** The object's body, or null when there is none. */
  get(key: string): Promise<string | null>;
  /** Keys under `prefix` in ascending order, after `startAfter`, up to `limit`. */
  list(prefix: string, options: { startAfter?: string; limit: number }): Promise<{ keys: string[]; more: boolean }>;
}
