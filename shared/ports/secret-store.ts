/**
 * Secrets with versions and staging labels, as AWS Secrets Manager keeps them: AWS Secrets
 * Manager in AWS, a local store with the same semantics in the sandbox. A version id is the
 * ClientRequestToken that created it. Each staging label is on at most one version.
 */
export const AWSCURRENT = 'AWSCURRENT';
export const AWSPENDING = 'AWSPENDING';
export const AWSPREVIOUS = 'AWSPREVIOUS';

export interface SecretDescription {
  arn: string;
  name: string;
  rotationEnabled: boolean;
  /** Version id → its staging labels. */
  versions: Record<string, string[]>;
  tags: Record<string, string>;
  lastRotatedAt: string | null;
  /**
   * DescribeSecret's NextRotationDate: the latest moment the schedule will rotate (the close of
   * the rotation window), null while rotation is off.
   */
  nextRotationAt: string | null;
}

/** One labelled version, as ListSecretVersionIds lists it. */
export interface SecretVersionInfo {
  versionId: string;
  stages: string[];
  /** When the version was created: for AWSPENDING, when its rotation started. */
  createdAt: string;
}

export interface SecretVersion {
  arn: string;
  versionId: string;
  value: string;
  stages: string[];
}

export interface RandomPasswordOptions {
  length?: number;
  excludeCharacters?: string;
  excludePunctuation?: boolean;
}

export interface SecretStore {
  /** The secret's metadata; throws SecretNotFoundError. */
  describe(secretId: string): Promise<SecretDescription>;
  /** One version, by staging label (default AWSCURRENT) or by id; throws SecretNotFoundError. */
  getValue(secretId: string, select?: { stage?: string; versionId?: string }): Promise<SecretVersion>;
  /**
   * Stores a new version under `versionId` with the given labels (moving them off other versions).
   * Idempotent: the same id and value again changes nothing; the same id with another value throws.
   */
  putValue(secretId: string, versionId: string, value: string, stages: string[]): Promise<void>;
  /** Moves `stage` to `toVersionId` from `fromVersionId` (which must hold it, if given); no target removes it. */
  updateStage(secretId: string, stage: string, move: { toVersionId?: string; fromVersionId?: string }): Promise<void>;
  randomPassword(options: RandomPasswordOptions): Promise<string>;
  /** The labelled versions with their creation dates (ListSecretVersionIds, every page). */
  listVersions(secretId: string): Promise<SecretVersionInfo[]>;
  /**
   * Starts a rotation (Secrets Manager's RotateSecret), which runs asynchronously: the answer is
   * the version the rotation creates, not its outcome. Refused with RotationInProgressError while
   * AWSPENDING is on a version other than AWSCURRENT, even for that version's own token.
   */
  rotate(secretId: string, clientRequestToken?: string): Promise<{ versionId: string }>;
  /**
   * Turns rotation on with hms-sys's rotation function and the policy's schedule, without
   * rotating now (RotateSecret with RotationRules and RotateImmediately false).
   */
  schedule(secretId: string, policy: { every: string; scheduleExpression: string }): Promise<void>;
  /** Secrets whose tags include every given key (any value when the value is undefined). */
  listByTags(tags: Record<string, string | undefined>): Promise<SecretDescription[]>;
  create(input: { name: string; value: string; tags: Record<string, string>; description?: string }): Promise<{ arn: string; versionId: string }>;
  /** Deletes at once, without a recovery window; absent is fine. */
  delete(secretId: string): Promise<void>;
}
