import { describe, expect, it } from 'vitest';
import type { ArchiveStore } from '#ports/archive-store.ts';

const RETAIN = '2099-01-01T00:00:00.000Z';

/** What every ArchiveStore does, whatever holds the objects: the S3 adapter (on the local S3 server) and the memory fake. */
export function archiveStoreContract(name: string, make: () => Promise<ArchiveStore>): void {
  describe(`ArchiveStore contract: ${name}`, () => {
    it('reads back exactly the UTF-8 text it was given, and null for a key never put', async () => {
      const store = await make();
      const body = '{"seq":1,"note":"é ✓ 𝄞"}\n{"seq":2}\n';
      await store.put('archive/service%23a/000000000001-000000000002.jsonl', body, RETAIN);
      expect(await store.get('archive/service%23a/000000000001-000000000002.jsonl')).toBe(body);
      expect(await store.get('archive/service%23a/000000000003-000000000004.jsonl')).toBeNull();
    });

    it('lists the keys under a prefix in ascending order, after startAfter, in pages of limit', async () => {
      const store = await make();
      const keys = [3, 1, 12, 2].map((n) => `digests/system/${String(n).padStart(12, '0')}.json`);
      for (const key of keys) await store.put(key, '{}', RETAIN);
      await store.put('digests/systemx/000000000001.json', '{}', RETAIN);
      await store.put('keys/k.pem', 'pem', RETAIN);
      const sorted = [...keys].sort();

      expect(await store.list('digests/system/', { limit: 10 })).toEqual({ keys: sorted, more: false });
      expect(await store.list('digests/system/', { limit: 2 })).toEqual({ keys: sorted.slice(0, 2), more: true });
      expect(await store.list('digests/system/', { startAfter: sorted[1], limit: 2 })).toEqual({ keys: sorted.slice(2), more: false });
      expect(await store.list('nothing/', { limit: 5 })).toEqual({ keys: [], more: false });
    });

    it('a put is create-only: a second put of a key writes nothing and says the key exists', async () => {
      const store = await make();
      expect(await store.put('keys/a.pem', 'first', RETAIN)).toBe('created');
      expect(await store.put('keys/a.pem', 'second', RETAIN)).toBe('exists');
      expect(await store.get('keys/a.pem')).toBe('first');
      expect((await store.list('keys/', { limit: 5 })).keys).toEqual(['keys/a.pem']);
    });
  });
}
