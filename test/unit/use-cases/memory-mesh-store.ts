import { StaleVersionError } from '#ports/errors.ts';
import { type MeshRecordKind, type MeshRecords, type MeshStore, meshRecordName } from '#ports/mesh-store.ts';
import { VersionedMap } from './memory-stores.ts';

/** In-memory MeshStore; passes mesh-store-contract.ts with DynamoDbMeshStore (JSON round trips, name order, conditional writes). */
export class MemoryMeshStore implements MeshStore {
  readonly #maps: { [K in MeshRecordKind]: VersionedMap<MeshRecords[K]> } = {
    service: new VersionedMap(),
    policy: new VersionedMap(),
    pause: new VersionedMap(),
    breaker: new VersionedMap(),
  };

  async get<K extends MeshRecordKind>(kind: K, name: string): Promise<MeshRecords[K] | null> {
    return (this.#maps[kind] as VersionedMap<MeshRecords[K]>).get(name);
  }
  async list<K extends MeshRecordKind>(kind: K): Promise<MeshRecords[K][]> {
    return (this.#maps[kind] as VersionedMap<MeshRecords[K]>).values();
  }
  async put<K extends MeshRecordKind>(kind: K, record: MeshRecords[K], expectedVersion: number | null): Promise<void> {
    (this.#maps[kind] as VersionedMap<MeshRecords[K]>).put(meshRecordName(kind, record), record, expectedVersion);
  }
  async delete<K extends MeshRecordKind>(kind: K, name: string, expectedVersion: number): Promise<void> {
    const map = this.#maps[kind] as VersionedMap<MeshRecords[K]>;
    if (map.get(name) === null) return;
    if (map.get(name)?.version !== expectedVersion) throw new StaleVersionError(`${kind} ${name}`);
    map.delete(name, expectedVersion);
  }
}
