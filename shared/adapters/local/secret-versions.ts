import { rotationWindowClose } from '#domain/rotation.ts';
import { PortError, SecretConflictError, SecretNotFoundError } from '#ports/errors.ts';
import { AWSCURRENT, AWSPREVIOUS, type SecretDescription } from '#ports/secret-store.ts';

/**
 * A secret's versions and staging labels, moved the way Secrets Manager documents it
 * (PutSecretValue and UpdateSecretVersionStage in the API reference). Pure bookkeeping on
 * plain records, so the local store can persist them as JSON.
 */
export interface StoredVersion {
  id: string;
  /** null for the version RotateSecret labels AWSPENDING before the rotation function puts a value. */
  value: string | null;
  stages: string[];
  createdAt: string;
}

export interface StoredSecret {
  arn: string;
  name: string;
  description?: string;
  tags: Record<string, string>;
  createdAt: string;
  rotation: { enabled: boolean; everyHours: number | null; lastRotatedAt: string | null };
  /** Oldest first. */
  versions: StoredVersion[];
}

/**
 * Versions with no labels are deprecated: kept, readable by id, not listed. Secrets Manager
 * "can delete them"; the local store keeps the newest this many.
 */
export const MAX_DEPRECATED_VERSIONS = 100;

export function holderOf(secret: StoredSecret, stage: string): StoredVersion | undefined {
  return secret.versions.find((v) => v.stages.includes(stage));
}

export function versionOf(secret: StoredSecret, versionId: string): StoredVersion {
  const version = secret.versions.find((v) => v.id === versionId);
  if (!version) throw new SecretNotFoundError(`${secret.name} has no version ${versionId}`);
  return version;
}

/**
 * Puts `stage` on `version`, taking it off the version that had it. Moving AWSCURRENT puts
 * AWSPREVIOUS on the version it came from (and so takes AWSPREVIOUS off the one before).
 */
export function attachStage(secret: StoredSecret, version: StoredVersion, stage: string): void {
  const holder = holderOf(secret, stage);
  if (holder === version) return;
  if (holder) holder.stages = holder.stages.filter((s) => s !== stage);
  version.stages.push(stage);
  if (stage === AWSCURRENT && holder) attachStage(secret, holder, AWSPREVIOUS);
}

/**
 * PutSecretValue with ClientRequestToken = versionId: a new version takes the labels; the same
 * id and value again is ignored (labels too); the same id with another value is refused.
 */
export function putVersion(secret: StoredSecret, versionId: string, value: string, stages: string[], now: Date): void {
  if (stages.length === 0) throw new PortError(`a version of ${secret.name} needs at least one staging label`);
  let version = secret.versions.find((v) => v.id === versionId);
  if (version && version.value !== null) {
    if (version.value === value) return;
    throw new SecretConflictError(`version ${versionId} of ${secret.name} already holds another value`);
  }
  if (version) {
    version.value = value;
  } else {
    version = { id: versionId, value, stages: [], createdAt: now.toISOString() };
    secret.versions.push(version);
  }
  for (const stage of new Set(stages)) attachStage(secret, version, stage);
  pruneDeprecated(secret);
}

/**
 * UpdateSecretVersionStage. A label on another version moves only when `fromVersionId` names
 * that version; a `fromVersionId` that does not hold the label is refused (AWS answers
 * InvalidParameterException for both). With no target the label is removed; AWSCURRENT can only move.
 */
export function moveStage(secret: StoredSecret, stage: string, move: { toVersionId?: string; fromVersionId?: string }): void {
  const holder = holderOf(secret, stage);
  if (move.fromVersionId !== undefined && holder?.id !== move.fromVersionId) {
    throw new SecretConflictError(`${stage} of ${secret.name} is not on version ${move.fromVersionId}`);
  }
  if (move.toVersionId === undefined) {
    if (!holder) return;
    if (move.fromVersionId === undefined) throw new SecretConflictError(`name the version of ${secret.name} to remove ${stage} from`);
    if (stage === AWSCURRENT) throw new SecretConflictError(`${AWSCURRENT} of ${secret.name} can only be moved to another version`);
    holder.stages = holder.stages.filter((s) => s !== stage);
  } else {
    const target = versionOf(secret, move.toVersionId);
    if (holder && holder !== target && move.fromVersionId === undefined) {
      throw new SecretConflictError(`${stage} of ${secret.name} is on version ${holder.id}: name it as the version to move it from`);
    }
    attachStage(secret, target, stage);
  }
  pruneDeprecated(secret);
}

function pruneDeprecated(secret: StoredSecret): void {
  const deprecated = secret.versions.filter((v) => v.stages.length === 0);
  const excess = new Set(deprecated.slice(0, Math.max(0, deprecated.length - MAX_DEPRECATED_VERSIONS)));
  if (excess.size > 0) secret.versions = secret.versions.filter((v) => !excess.has(v));
}

/**
 * DescribeSecret's view: labelled versions only; rotation dates only while rotation is on.
 * NextRotationDate is the close of the next rotation window, as Secrets Manager reports it.
 */
export function describeStored(secret: StoredSecret): SecretDescription {
  const { enabled, everyHours, lastRotatedAt } = secret.rotation;
  const from = lastRotatedAt ?? secret.createdAt;
  const next = enabled && everyHours !== null ? rotationWindowClose(new Date(from), everyHours).toISOString() : null;
  return {
    arn: secret.arn,
    name: secret.name,
    rotationEnabled: enabled,
    versions: Object.fromEntries(secret.versions.filter((v) => v.stages.length > 0).map((v) => [v.id, [...v.stages]])),
    tags: { ...secret.tags },
    lastRotatedAt: enabled ? lastRotatedAt : null,
    nextRotationAt: next,
  };
}
