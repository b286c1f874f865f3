import { createRequire } from 'node:module';

interface IteratorPrototype {
  close(): Promise<void>;
  return?: (value?: unknown) => Promise<IteratorResult<unknown>>;
}

/**
 * dynalite 4.0.0 turns each Query and Scan into a stream over a LevelDB iterator, and the stream's
 * destroy closes that iterator only `if (iterator.return)` (node_modules/dynalite/db/index.js,
 * createValueStream / createKeyStream). abstract-level 3.x iterators (under both level's
 * classic-level and memory-level) have close() but no return(), so every query left its iterator
 * open and registered with the database: about 10 KB a request that no garbage collection frees
 * (issue 13). Installs run no scripts, so node_modules cannot be patched; instead, before dynalite
 * opens its store, give the iterators of the abstract-level copies dynalite loads the async
 * iterator protocol's return(), which closes them. Left alone where abstract-level has its own.
 */
export function closeDynaliteIteratorsAtEnd(): void {
  for (const prototype of dynaliteIteratorPrototypes()) {
    if (typeof prototype.return === 'function') continue;
    Object.defineProperty(prototype, 'return', {
      configurable: true,
      writable: true,
      value: async function (this: IteratorPrototype, value?: unknown): Promise<IteratorResult<unknown>> {
        await this.close();
        return { done: true, value };
      },
    });
  }
}

/** The shared base prototype of each abstract-level copy that dynalite's storage packages load. */
export function dynaliteIteratorPrototypes(): IteratorPrototype[] {
  const fromDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));
  const fromLevel = createRequire(fromDynalite.resolve('level'));
  const stores = [fromDynalite.resolve('memory-level'), fromLevel.resolve('classic-level')];
  const prototypes = new Set<IteratorPrototype>();
  for (const store of stores) {
    const abstractLevel = createRequire(store)('abstract-level') as { AbstractIterator: { prototype: object } };
    // AbstractIterator, AbstractKeyIterator and AbstractValueIterator share one unexported base.
    prototypes.add(Object.getPrototypeOf(abstractLevel.AbstractIterator.prototype) as IteratorPrototype);
  }
  return [...prototypes];
}
