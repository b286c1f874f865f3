import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  type Filter,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { PortError, RotationInProgressError, SecretConflictError } from '#ports/errors.ts';
import {
  AWSCURRENT,
  AWSPENDING,
  type RandomPasswordOptions,
  type SecretDescription,
  type SecretStore,
  type SecretVersion,
  type SecretVersionInfo,
} from '#ports/secret-store.ts';
import { description } from './secrets-manager-description.ts';
import { call, errorName } from './secrets-manager-errors.ts';

export interface SecretsManagerStoreOptions {
  /** Injected in tests; otherwise one client per region and container, built on first use. */
  client?: SecretsManagerClient;
  region?: string;
  /** The hms-sys rotation function, which schedule() attaches to a secret. */
  rotationLambdaArn?: string;
}

/** ListSecrets and ListSecretVersionIds return at most 100 a page. */
const LIST_PAGE = 100;
/** A ListSecrets filter takes at most 10 values, each matching this (Secrets Manager API reference, Filter). */
const FILTER_VALUES_MAX = 10;
const FILTER_VALUE = /^[a-zA-Z0-9 :_@/+=.-][a-zA-Z0-9 :_@/+=.!-]{0,511}$/;

const clients = new Map<string, SecretsManagerClient>();

function secretsManagerClient(region: string | undefined): SecretsManagerClient {
  let client = clients.get(region ?? '');
  if (!client) {
    client = new SecretsManagerClient({ ...(region ? { region } : {}), maxAttempts: 5, retryMode: 'standard' });
    clients.set(region ?? '', client);
  }
  return client;
}

/**
 * The SecretStore on AWS Secrets Manager. ResourceNotFoundException becomes SecretNotFoundError,
 * AccessDeniedException SecretAccessDeniedError;
 * the answers that mean "not with what is stored" become SecretConflictError: PutSecretValue's
 * ResourceExistsException (the token is a version with another value), UpdateSecretVersionStage's
 * InvalidParameterException (the label is not on RemoveFromVersionId), RotateSecret's
 * InvalidRequestException (a previous rotation isn't complete, or no rotation is configured) and
 * CreateSecret's ResourceExistsException (the name is taken).
 */
export class SecretsManagerStore implements SecretStore {
  readonly #options: SecretsManagerStoreOptions;

  constructor(options: SecretsManagerStoreOptions = {}) {
    this.#options = options;
  }

  get #client(): SecretsManagerClient {
    return this.#options.client ?? secretsManagerClient(this.#options.region);
  }

  async describe(secretId: string): Promise<SecretDescription> {
    const out = await call(`secret ${secretId}`, () => this.#client.send(new DescribeSecretCommand({ SecretId: secretId })));
    return description({ ...out, versions: out.VersionIdsToStages });
  }

  async getValue(secretId: string, select: { stage?: string; versionId?: string } = {}): Promise<SecretVersion> {
    const stage = select.stage ?? (select.versionId === undefined ? AWSCURRENT : undefined);
    const out = await call(`secret ${secretId}`, () =>
      this.#client.send(
        new GetSecretValueCommand({
          SecretId: secretId,
          ...(select.versionId === undefined ? {} : { VersionId: select.versionId }),
          ...(stage === undefined ? {} : { VersionStage: stage }),
        }),
      ),
    );
    if (out.SecretString === undefined) throw new PortError(`secret ${secretId} holds binary data; only string secrets are supported`);
    return { arn: out.ARN ?? secretId, versionId: out.VersionId ?? '', value: out.SecretString, stages: out.VersionStages ?? [] };
  }

  /** The version id is the ClientRequestToken, which makes a retry with the same value a no-op. */
  async putValue(secretId: string, versionId: string, value: string, stages: string[]): Promise<void> {
    if (stages.length === 0) throw new PortError(`a version of ${secretId} needs at least one staging label`);
    await call(
      `secret ${secretId}`,
      () =>
        this.#client.send(
          new PutSecretValueCommand({
            SecretId: secretId,
            ClientRequestToken: versionId,
            SecretString: value,
            VersionStages: stages,
          }),
        ),
      ['ResourceExistsException'],
    );
  }

  async updateStage(secretId: string, stage: string, move: { toVersionId?: string; fromVersionId?: string }): Promise<void> {
    await call(
      `secret ${secretId}`,
      () =>
        this.#client.send(
          new UpdateSecretVersionStageCommand({
            SecretId: secretId,
            VersionStage: stage,
            ...(move.toVersionId === undefined ? {} : { MoveToVersionId: move.toVersionId }),
            ...(move.fromVersionId === undefined ? {} : { RemoveFromVersionId: move.fromVersionId }),
          }),
        ),
      ['InvalidParameterException'],
    );
  }

  async randomPassword(options: RandomPasswordOptions): Promise<string> {
    const out = await this.#client.send(
      new GetRandomPasswordCommand({
        ...(options.length === undefined ? {} : { PasswordLength: options.length }),
        ...(options.excludeCharacters === undefined ? {} : { ExcludeCharacters: options.excludeCharacters }),
        ...(options.excludePunctuation === undefined ? {} : { ExcludePunctuation: options.excludePunctuation }),
      }),
    );
    if (!out.RandomPassword) throw new PortError('GetRandomPassword returned no password');
    return out.RandomPassword;
  }

  /** Starts a rotation with the rotation function and schedule already configured on the secret. */
  async schedule(secretId: string, policy: { every: string; scheduleExpression: string }): Promise<void> {
    const rotationLambdaArn = this.#options.rotationLambdaArn;
    if (!rotationLambdaArn) throw new PortError('scheduling a rotation needs rotationLambdaArn: the hms-sys rotation function');
    await call(
      `secret ${secretId}`,
      () =>
        this.#client.send(
          new RotateSecretCommand({
            SecretId: secretId,
            RotationLambdaARN: rotationLambdaArn,
            RotationRules: { ScheduleExpression: policy.scheduleExpression },
            RotateImmediately: false,
          }),
        ),
      ['InvalidRequestException'],
    );
  }

  /**
   * RotateSecret answers once the rotation has started, with the version it creates. While
   * AWSPENDING is on a version other than AWSCURRENT it answers InvalidRequestException ("A
   * previous rotation isn't complete"), whatever the token, the pending version's own included:
   * the API reference documents no exception for a retry with the same token. That refusal is
   * told from the others (no rotation configured, scheduled for deletion) by the labels, not by
   * the message. https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_RotateSecret.html
   */
  async rotate(secretId: string, clientRequestToken?: string): Promise<{ versionId: string }> {
    try {
      const out = await call(
        `secret ${secretId}`,
        () =>
          this.#client.send(
            new RotateSecretCommand({
              SecretId: secretId,
              ...(clientRequestToken === undefined ? {} : { ClientRequestToken: clientRequestToken }),
            }),
          ),
        ['InvalidRequestException'],
      );
      return { versionId: out.VersionId ?? clientRequestToken ?? '' };
    } catch (err) {
      if (!(err instanceof SecretConflictError)) throw err;
      const versions = await this.describe(secretId).then(
        (d) => d.versions,
        () => ({}) as Record<string, string[]>,
      );
      const pending = Object.entries(versions).find(([, stages]) => stages.includes(AWSPENDING) && !stages.includes(AWSCURRENT));
      if (pending) throw new RotationInProgressError(`${err.message} (version ${pending[0]} is ${AWSPENDING})`, pending[0], { cause: err.cause });
      throw err;
    }
  }

  /** ListSecretVersionIds, every page; versions without labels (deprecated) are left out, as by default. */
  async listVersions(secretId: string): Promise<SecretVersionInfo[]> {
    const found: SecretVersionInfo[] = [];
    let nextToken: string | undefined;
    do {
      const out = await call(`secret ${secretId}`, () =>
        this.#client.send(
          new ListSecretVersionIdsCommand({
            SecretId: secretId,
            MaxResults: LIST_PAGE,
            ...(nextToken === undefined ? {} : { NextToken: nextToken }),
          }),
        ),
      );
      for (const version of out.Versions ?? []) {
        if (!version.VersionId || !version.VersionStages?.length) continue;
        found.push({ versionId: version.VersionId, stages: version.VersionStages, createdAt: (version.CreatedDate ?? new Date(0)).toISOString() });
      }
      nextToken = out.NextToken;
    } while (nextToken);
    return found;
  }

  /**
   * ListSecrets with a tag-key filter (a case-sensitive prefix match, so it narrows but does not
   * decide), every page, then exact keys and values here.
   */
  async listByTags(tags: Record<string, string | undefined>): Promise<SecretDescription[]> {
    const wanted = Object.entries(tags);
    const keys = wanted
      .map(([key]) => key)
      .filter((key) => FILTER_VALUE.test(key))
      .slice(0, FILTER_VALUES_MAX);
    const filters: Filter[] = keys.length > 0 ? [{ Key: 'tag-key', Values: keys }] : [];
    const found: SecretDescription[] = [];
    let nextToken: string | undefined;
    do {
      const out = await this.#client.send(
        new ListSecretsCommand({
          MaxResults: LIST_PAGE,
          ...(filters.length > 0 ? { Filters: filters } : {}),
          ...(nextToken === undefined ? {} : { NextToken: nextToken }),
        }),
      );
      for (const entry of out.SecretList ?? []) {
        const secret = description({ ...entry, versions: entry.SecretVersionsToStages });
        const matches = wanted.every(([key, value]) => Object.hasOwn(secret.tags, key) && (value === undefined || secret.tags[key] === value));
        if (matches) found.push(secret);
      }
      nextToken = out.NextToken;
    } while (nextToken);
    return found;
  }

  async create(input: { name: string; value: string; tags: Record<string, string>; description?: string }): Promise<{ arn: string; versionId: string }> {
    const out = await call(
      `secret ${input.name}`,
      () =>
        this.#client.send(
          new CreateSecretCommand({
            Name: input.name,
            SecretString: input.value,
            Tags: Object.entries(input.tags).map(([Key, Value]) => ({ Key, Value })),
            ...(input.description === undefined ? {} : { Description: input.description }),
          }),
        ),
      ['ResourceExistsException'],
    );
    if (!out.ARN || !out.VersionId) throw new PortError(`CreateSecret returned no ARN or version for ${input.name}`);
    return { arn: out.ARN, versionId: out.VersionId };
  }

  /** At once, without a recovery window; a secret already gone is fine. */
  async delete(secretId: string): Promise<void> {
    try {
      await this.#client.send(new DeleteSecretCommand({ SecretId: secretId, ForceDeleteWithoutRecovery: true }));
    } catch (err) {
      if (errorName(err) !== 'ResourceNotFoundException') throw err;
    }
  }
}
