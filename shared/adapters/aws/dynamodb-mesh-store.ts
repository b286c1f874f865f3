import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { StaleVersionError } from '#ports/errors.ts';
import { type MeshRecordKind, type MeshRecords, type MeshStore, meshRecordName } from '#ports/mesh-store.ts';
import { EntityTable } from './dynamodb-entities.ts';
import { STATE_PARTITIONS } from './table-design.ts';

const PARTITIONS: Record<MeshRecordKind, string> = {
  service: STATE_PARTITIONS.meshService,
  policy: STATE_PARTITIONS.meshPolicy,
  pause: STATE_PARTITIONS.meshPause,
  breaker: STATE_PARTITIONS.meshBreaker,
};

/** MeshStore on the state table: one partition per kind, the record's name as the sort key, versioned writes. */
export class DynamoDbMeshStore implements MeshStore {
  readonly #entities: EntityTable;

  constructor(options: { client: DynamoDBClient; tableName: string }) {
    this.#entities = new EntityTable(options.client, options.tableName);
  }

  get<K extends MeshRecordKind>(kind: K, name: string): Promise<MeshRecords[K] | null> {
    return this.#entities.get<MeshRecords[K]>(PARTITIONS[kind], name);
  }

  list<K extends MeshRecordKind>(kind: K): Promise<MeshRecords[K][]> {
    return this.#entities.list<MeshRecords[K]>(PARTITIONS[kind]);
  }

  put<K extends MeshRecordKind>(kind: K, record: MeshRecords[K], expectedVersion: number | null): Promise<void> {
    return this.#entities.put(PARTITIONS[kind], meshRecordName(kind, record), record, expectedVersion);
  }

  /** DeleteItem's condition fails on a missing item too; the port takes an absent record as deleted, so that case is read back. */
  async delete<K extends MeshRecordKind>(kind: K, name: string, expectedVersion: number): Promise<void> {
    try {
      await this.#entities.delete(PARTITIONS[kind], name, expectedVersion);
    } catch (err) {
      if (err instanceof StaleVersionError && (await this.get(kind, name)) === null) return;
      throw err;
    }
  }
}
