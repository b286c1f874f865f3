import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type Clock, systemClock } from '#ports/clock.ts';
import { PortError, RotationInProgressError, SecretConflictError, SecretNotFoundError } from '#ports/errors.ts';
import {
  AWSCURRENT,
  AWSPENDING,
  type RandomPasswordOptions,
  type SecretDescription,
  type SecretStore,
  type SecretVersion,
  type SecretVersionInfo,
} from '#ports/secret-store.ts';
import { generateRandomPassword } from './random-password.ts';
import { attachStage, describeStored, holderOf, moveStage, putVersion, type StoredSecret } from './secret-versions.ts';

/**
 * Secrets Manager's part in a rotation, played by the sandbox: rotate() calls it with the
 * secret's ARN and the rotation's ClientRequestToken once that token is a version labelled
 * AWSPENDING (with no value yet), as Secrets Manager does before it invokes the rotation
 * function, and returns without waiting for it: RotateSecret only starts a rotation. The sandbox
 * wires it to the rotation handler on the local bus (createSecret, setSecret, testSecret and
 * finishSecret, all with this one token). A rejection leaves the labels where the failed step
 * left them, as a failed rotation does in AWS; settled() reports it.
 */
export type RotationCallback = (secretArn: string, clientRequestToken: string) => Promise<void>;

export interface LocalSecretStoreOptions {
  /** Keeps the secrets in <dataDir>/secrets.json across restarts; in memory only when absent. */
  dataDir?: string;
  /** The region in the ARNs; us-east-1 by default. */
  region?: string;
  clock?: Clock;
  onRotate?: RotationCallback;
}

export const SECRETS_FILE = 'secrets.json';
/** The account id in local ARNs. */
export const LOCAL_ACCOUNT_ID = '000000000000';
/** CreateSecret's name rule: 1-512 of ASCII letters, digits and /_+=.@- (Secrets Manager API reference). */
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const ARN_SUFFIX_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** Secrets Manager rotates no more often than every 4 hours. */
const MIN_ROTATION_HOURS = 4;

interface SecretsFile {
  format: 1;
  secrets: StoredSecret[];
}

/**
 * The sandbox's SecretStore, with Secrets Manager's version and staging-label semantics (see
 * secret-versions.ts). With a dataDir every change is written to <dataDir>/secrets.json through
 * a temporary file and a rename, so a crash leaves the old file or the new one, never half of
 * one. The values in that file are NOT encrypted: it is written owner-only (0600) and is meant
 * for development data only. One process per dataDir.
 */
export class LocalSecretStore implements SecretStore {
  readonly file: string | null;
  readonly #region: string;
  readonly #clock: Clock;
  #onRotate: RotationCallback | undefined;
  #secrets: StoredSecret[] = [];
  #loading: Promise<void> | undefined;
  #lastWrite: Promise<void> = Promise.resolve();
  readonly #rotating = new Set<Promise<void>>();

  constructor(options: LocalSecretStoreOptions = {}) {
    this.file = options.dataDir === undefined ? null : join(options.dataDir, SECRETS_FILE);
    this.#region = options.region ?? 'us-east-1';
    this.#clock = options.clock ?? systemClock;
    this.#onRotate = options.onRotate;
  }

  /** For wiring where the rotation handler needs this store first. */
  setOnRotate(onRotate: RotationCallback): void {
    this.#onRotate = onRotate;
  }

  async describe(secretId: string): Promise<SecretDescription> {
    return describeStored(await this.#find(secretId));
  }

  async getValue(secretId: string, select: { stage?: string; versionId?: string } = {}): Promise<SecretVersion> {
    const secret = await this.#find(secretId);
    const stage = select.stage ?? (select.versionId === undefined ? AWSCURRENT : undefined);
    const version = select.versionId !== undefined ? secret.versions.find((v) => v.id === select.versionId) : holderOf(secret, stage!);
    if (!version || (stage !== undefined && !version.stages.includes(stage)) || version.value === null) {
      const wanted = [select.versionId && `version ${select.versionId}`, stage && `stage ${stage}`].filter(Boolean).join(' with ');
      throw new SecretNotFoundError(`${secret.name} has no value for ${wanted}`);
    }
    return { arn: secret.arn, versionId: version.id, value: version.value, stages: [...version.stages] };
  }

  async putValue(secretId: string, versionId: string, value: string, stages: string[]): Promise<void> {
    putVersion(await this.#find(secretId), versionId, value, stages, this.#clock.now());
    await this.#persist();
  }

  async updateStage(secretId: string, stage: string, move: { toVersionId?: string; fromVersionId?: string }): Promise<void> {
    moveStage(await this.#find(secretId), stage, move);
    await this.#persist();
  }

  async randomPassword(options: RandomPasswordOptions): Promise<string> {
    return generateRandomPassword(options);
  }

  /**
   * RotateSecret: labels the token (a new UUID when none is given) AWSPENDING, starts onRotate
   * and returns without waiting for it, as RotateSecret returns once the rotation has started
   * (settled() waits for it). Refused, as in AWS, when rotation is off or any version holds
   * AWSPENDING apart from AWSCURRENT ("a previous rotation isn't complete"), the same token
   * included: AWS documents no exception for it. To start over, take AWSPENDING off that version
   * first (updateStage with fromVersionId). A rotation that ends with the token AWSCURRENT is
   * recorded as the secret's last rotation.
   * https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_RotateSecret.html
   */
  async rotate(secretId: string, clientRequestToken?: string): Promise<{ versionId: string }> {
    const secret = await this.#find(secretId);
    if (!secret.rotation.enabled) throw new SecretConflictError(`rotation is not enabled for ${secret.name}`);
    const pending = holderOf(secret, AWSPENDING);
    if (pending && !pending.stages.includes(AWSCURRENT)) {
      throw new RotationInProgressError(`A previous rotation of ${secret.name} isn't complete: version ${pending.id} is ${AWSPENDING}`, pending.id);
    }
    const onRotate = this.#onRotate;
    if (!onRotate) throw new PortError('the local secret store has no rotation function: pass onRotate');
    const token = clientRequestToken ?? randomUUID();
    let version = secret.versions.find((v) => v.id === token);
    if (!version) {
      version = { id: token, value: null, stages: [], createdAt: this.#clock.now().toISOString() };
      secret.versions.push(version);
    }
    const wasCurrent = version.stages.includes(AWSCURRENT);
    if (!wasCurrent) attachStage(secret, version, AWSPENDING);
    await this.#persist();
    this.#start(onRotate, secret.arn, token, wasCurrent);
    return { versionId: token };
  }

  /**
   * Waits for every rotation started so far, and those they start; rejects with the first
   * failure among them (a failed rotation is not otherwise reported to rotate()'s caller).
   */
  async settled(): Promise<void> {
    while (this.#rotating.size > 0) await Promise.all([...this.#rotating]);
  }

  #start(onRotate: RotationCallback, secretArn: string, token: string, wasCurrent: boolean): void {
    const run = (async () => {
      await onRotate(secretArn, token);
      const after = this.#secrets.find((s) => s.arn === secretArn);
      if (!wasCurrent && after && holderOf(after, AWSCURRENT)?.id === token) {
        after.rotation.lastRotatedAt = this.#clock.now().toISOString();
        await this.#persist();
      }
    })();
    this.#rotating.add(run);
    // Handled here so that a failure nobody waits for is not an unhandled rejection; settled() still sees it.
    run.catch(() => undefined).finally(() => this.#rotating.delete(run));
  }

  /** ListSecretVersionIds: the labelled versions, with when each was created. */
  async listVersions(secretId: string): Promise<SecretVersionInfo[]> {
    const secret = await this.#find(secretId);
    return secret.versions.filter((v) => v.stages.length > 0).map((v) => ({ versionId: v.id, stages: [...v.stages], createdAt: v.createdAt }));
  }

  async listByTags(tags: Record<string, string | undefined>): Promise<SecretDescription[]> {
    await this.#ready();
    const wanted = Object.entries(tags);
    return this.#secrets
      .filter((s) => wanted.every(([key, value]) => Object.hasOwn(s.tags, key) && (value === undefined || s.tags[key] === value)))
      .map(describeStored);
  }

  async create(input: { name: string; value: string; tags: Record<string, string>; description?: string }): Promise<{ arn: string; versionId: string }> {
    await this.#ready();
    if (!SECRET_NAME.test(input.name)) throw new PortError(`secret name ${JSON.stringify(input.name)} must be 1-512 of A-Z a-z 0-9 /_+=.@-`);
    if (this.#secrets.some((s) => s.name === input.name)) throw new SecretConflictError(`a secret named ${input.name} already exists`);
    const now = this.#clock.now().toISOString();
    const suffix = Array.from({ length: 6 }, () => ARN_SUFFIX_CHARS[randomInt(ARN_SUFFIX_CHARS.length)]).join('');
    const versionId = randomUUID();
    const secret: StoredSecret = {
      arn: `arn:aws:secretsmanager:${this.#region}:${LOCAL_ACCOUNT_ID}:secret:${input.name}-${suffix}`,
      name: input.name,
      ...(input.description === undefined ? {} : { description: input.description }),
      tags: { ...input.tags },
      createdAt: now,
      rotation: { enabled: false, everyHours: null, lastRotatedAt: null },
      versions: [{ id: versionId, value: input.value, stages: [AWSCURRENT], createdAt: now }],
    };
    this.#secrets.push(secret);
    await this.#persist();
    return { arn: secret.arn, versionId };
  }

  async delete(secretId: string): Promise<void> {
    await this.#ready();
    const index = this.#secrets.findIndex((s) => matches(s, secretId));
    if (index === -1) return;
    this.#secrets.splice(index, 1);
    await this.#persist();
  }

  /**
   * Turns rotation on, every `rotateEvery` (`12h`, `7d`; at least 4 hours, Secrets Manager's
   * floor). The next rotation is due by the close of the rotation window that period after the
   * last rotation, or after creation (rotationWindowClose).
   */
  async schedule(secretId: string, policy: { every: string; scheduleExpression: string }): Promise<void> {
    await this.enableRotation(secretId, { rotateEvery: policy.every });
  }

  async enableRotation(secretId: string, schedule: { rotateEvery: string }): Promise<void> {
    const secret = await this.#find(secretId);
    secret.rotation.enabled = true;
    secret.rotation.everyHours = rotationHours(schedule.rotateEvery);
    await this.#persist();
  }

  /** Sets when the secret was last rotated, for a rotation driven outside rotate(). */
  async recordRotation(secretId: string, at: Date): Promise<void> {
    const secret = await this.#find(secretId);
    secret.rotation.lastRotatedAt = at.toISOString();
    await this.#persist();
  }

  async #find(secretId: string): Promise<StoredSecret> {
    await this.#ready();
    const secret = this.#secrets.find((s) => matches(s, secretId));
    if (!secret) throw new SecretNotFoundError(`secret ${secretId} does not exist`);
    return secret;
  }

  #ready(): Promise<void> {
    this.#loading ??= this.#load();
    return this.#loading;
  }

  async #load(): Promise<void> {
    if (this.file === null) return;
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    const parsed = JSON.parse(text) as Partial<SecretsFile>;
    if (parsed.format !== 1 || !Array.isArray(parsed.secrets)) throw new PortError(`${this.file} is not a secrets file of this store`);
    this.#secrets = parsed.secrets;
  }

  /** Writes one after another, each the state at its call, so the last write is the newest state. */
  async #persist(): Promise<void> {
    if (this.file === null) return;
    const snapshot = JSON.stringify({ format: 1, secrets: this.#secrets } satisfies SecretsFile);
    const write = this.#lastWrite.then(() => writeAtomically(this.file!, snapshot));
    this.#lastWrite = write.catch(() => undefined);
    await write;
  }
}

function matches(secret: StoredSecret, secretId: string): boolean {
  return secretId.startsWith('arn:') ? secret.arn === secretId : secret.name === secretId;
}

function rotationHours(rotateEvery: string): number {
  const match = /^([1-9][0-9]*)(h|d)$/.exec(rotateEvery);
  const hours = match ? Number(match[1]) * (match[2] === 'd' ? 24 : 1) : NaN;
  if (!(hours >= MIN_ROTATION_HOURS)) throw new PortError(`rotateEvery must look like 12h or 7d and be at least ${MIN_ROTATION_HOURS}h, got "${rotateEvery}"`);
  return hours;
}

/** Temporary file, flushed, then renamed over the target: readers see the old file or the new one. */
async function writeAtomically(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const handle = await open(temporary, 'w', 0o600);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
  } catch (err) {
    await rm(temporary, { force: true });
    throw err;
  }
}
