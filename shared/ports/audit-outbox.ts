import type { AuditEntry } from '#domain/audit.ts';
import type { ObjectRef } from '#domain/mesh/canonical.ts';
import type { KubeObject } from '#domain/mesh/kube-resources.ts';

/**
 * How the outbox's drainer learns, after a crash, whether a change took effect. Each kind is
 * answered by the function whose ports can read that state (audit-outbox drain, use-cases).
 */
export type ChangeProbe =
  /**
   * A stored rule (or service, budget, burst) at `version` or later means the write stood; absent means it did not.
   * `deleted`: the reverse, and an entity there with another `createdAt` than the deleted one's is a later one made anew.
   */
  | { kind: 'state-version'; entity: 'rule' | 'service' | 'budget' | 'burst'; key: string; version: number; deleted?: boolean; createdAt?: string }
  /** The workload's level equals `replicas`: the floor of the HPA that owns its replicas, else the Deployment's spec.replicas. */
  | { kind: 'replicas'; service: string; replicas: number }
  /** A rotation step of Secrets Manager's protocol: the version `token` of `secretId` holds what the step leaves behind. */
  | { kind: 'rotation-step'; secretId: string; token: string; step: 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret' }
  /** A rotation started (RotateSecret with `token` as its ClientRequestToken): the secret has a version `token`. */
  | { kind: 'rotation-started'; secretId: string; token: string }
  /** Rotation turned on for the secret: DescribeSecret shows RotationEnabled. */
  | { kind: 'rotation-scheduled'; secretId: string }
  /**
   * A short-lived database login: issued, its secret is listed and its role exists (read with the
   * master secret `database`); revoked (`issued: false`), its secret is gone (deleted after the role).
   */
  | { kind: 'db-credential'; secretArn: string; service: string; database: string; role: string; issued: boolean }
  /** A rolling restart: the service's Deployment's pod template carries annotation `key` = `value`. */
  | { kind: 'pod-template-annotation'; service: string; key: string; value: string }
  /**
   * A mesh record (registry entry, policy, pause, open breaker) at `version` or later; `deleted`: the
   * record is gone, or one there has another `createdAt` (made anew since); `ending`: a write that
   * marks the record ended, whose deletion follows, so the record gone also shows it stood.
   * Answered by the mesh function.
   */
  | {
      kind: 'mesh-record';
      record: 'service' | 'policy' | 'pause' | 'breaker';
      name: string;
      version: number;
      deleted?: boolean;
      createdAt?: string;
      ending?: boolean;
    }
  /** A mesh object applied: the live object declares every field of `object` as it does (object-diff.ts finds nothing). */
  | { kind: 'mesh-object'; cluster: string; object: KubeObject }
  /** A mesh object pruned: no object `ref` with uid `uid` is left. */
  | { kind: 'mesh-object-gone'; cluster: string; ref: ObjectRef; uid: string };

/**
 * An audit record not yet on its chain. A change writes its intent (entry plus probe) before the
 * state write and deletes it once the record is appended; a lookup writes a final entry (no
 * probe) that the drainer appends. Stored in the audit table under partition keys starting
 * `outbox#`, the only keys the functions may delete (IAM dynamodb:LeadingKeys).
 */
export interface PendingAudit {
  /** Unique; carried into the record as `intent`, so the drainer never appends it twice. */
  id: string;
  /** When it was written (ISO); an intent is only resolved by the drainer after a grace period. */
  createdAt: string;
  entry: AuditEntry;
  /** Present on an intent: how to tell whether the change happened. Absent: the entry is final. */
  probe?: ChangeProbe;
}

/**
 * A drainer's hold on an outbox item: while it lasts, other drainers skip the item, so two
 * drainers (the reconciler's and a lookup listing's) do not settle it at once.
 */
export interface OutboxClaim {
  /** The drainer run holding it. */
  by: string;
  /** When it lapses (ISO); a drainer that stopped holding one leaves the item to others after it. */
  until: string;
  /**
   * Where a drainer's record of the item can first be: its stream's last seq as the first claimant
   * read it before claiming. Set by the first claim and kept by later ones, so every drainer's
   * append searches from the same point (AuditLog.append's `afterSeq`) and finds any earlier one's record.
   */
  afterSeq: number;
}

export interface AuditOutbox {
  /** An unconditional put: a retry with the same id writes the same item (and drops any claim). */
  put(pending: PendingAudit): Promise<void>;
  delete(id: string): Promise<void>;
  /** Oldest first, at most `limit`, read consistently. */
  list(limit: number): Promise<PendingAudit[]>;
  /**
   * A conditional write: claims the item for `claim.by` until `claim.until`, unless the item is gone
   * or another drainer's claim lasts past `now` (null then). Returns the claim as stored, whose
   * `afterSeq` is the first claim's.
   */
  claim(id: string, claim: OutboxClaim, now: string): Promise<OutboxClaim | null>;
  /** Gives up `by`'s claim on the item; another's claim, or an item gone, is left as it is. */
  release(id: string, by: string): Promise<void>;
}
