import type { Breaker, Pause, RegistryEntry, StoredPolicy } from '#domain/mesh/canonical.ts';

/** What the mesh control plane keeps, by kind; each record is keyed by its name (a service or a policy name). */
export interface MeshRecords {
  service: RegistryEntry;
  policy: StoredPolicy;
  pause: Pause;
  breaker: Breaker;
}

export type MeshRecordKind = keyof MeshRecords;

/** The key of a record: services, pauses and breakers by service name, policies by policy name. */
export const meshRecordName = <K extends MeshRecordKind>(kind: K, record: MeshRecords[K]): string =>
  kind === 'service' || kind === 'policy' ? (record as RegistryEntry | StoredPolicy).name : (record as Pause | Breaker).service;

/**
 * The registry, policies, pauses and open breakers: DynamoDB (the state table) in AWS and the
 * sandbox, an in-memory fake in unit tests; both pass test/unit/adapters/mesh-store-contract.ts.
 * Writes with an expected version are conditional and throw StaleVersionError when another
 * writer got there first; null means "must not exist yet".
 */
export interface MeshStore {
  get<K extends MeshRecordKind>(kind: K, name: string): Promise<MeshRecords[K] | null>;
  /** Every record of the kind, by name. */
  list<K extends MeshRecordKind>(kind: K): Promise<MeshRecords[K][]>;
  put<K extends MeshRecordKind>(kind: K, record: MeshRecords[K], expectedVersion: number | null): Promise<void>;
  /** Deletes the record if its version is expectedVersion (StaleVersionError otherwise); an absent one is fine. */
  delete<K extends MeshRecordKind>(kind: K, name: string, expectedVersion: number): Promise<void>;
}
