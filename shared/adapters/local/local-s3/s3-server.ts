import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type ObjectVersion, S3Refusal, VersionedBucket } from './versioned-bucket.ts';

export interface LocalS3Options {
  /** The buckets to serve, each versioned with Object Lock enabled, as the audit bucket is. */
  buckets: readonly string[];
  /** Where the buckets persist (one folder each); in memory when absent. */
  dataDir?: string;
  port?: number;
  /** Retention is judged by this clock (the sandbox's, which tests move). */
  now?: () => Date;
  /**
   * Buckets whose policy denies, as the audit bucket's does in AWS (infra/constructs/audit-archive.ts),
   * a PutObject without If-None-Match (a new version over a key) and a DeleteObject without a version
   * id (a delete marker): both 403 AccessDenied. Off for a bucket, it shows raw Object Lock behaviour.
   */
  createOnlyBuckets?: readonly string[];
}

export interface LocalS3Server {
  /** http://127.0.0.1:<port>, for an S3 client with forcePathStyle. */
  endpoint: string;
  close(): Promise<void>;
}

/**
 * A local S3-wire server, path-style, for the operations the audit archive uses: PutObject (with
 * Object Lock headers), GetObject, HeadObject, DeleteObject and ListObjectsV2. It holds itself to
 * S3's rules for an Object Lock bucket (versioned-bucket.ts); anything else is 501 NotImplemented,
 * and requests are not signature-checked (loopback only). s3rver answers NotImplemented for Object
 * Lock and versioning, so it would have been kinder than S3: hence this server.
 */
export async function startLocalS3(options: LocalS3Options): Promise<LocalS3Server> {
  const now = options.now ?? (() => new Date());
  const buckets = new Map(options.buckets.map((name) => [name, new VersionedBucket(name, options.dataDir && join(options.dataDir, name), now)]));
  const createOnly = new Set(options.createOnlyBuckets ?? []);
  const server = createServer((req, res) => {
    void handle(buckets, createOnly, now, req, res).catch((err: unknown) => {
      const refusal = err instanceof S3Refusal ? err : new S3Refusal(500, 'InternalError', err instanceof Error ? err.message : String(err));
      sendError(res, refusal, req.url ?? '/');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => closeServer(server),
  };
}

async function handle(
  buckets: Map<string, VersionedBucket>,
  createOnly: ReadonlySet<string>,
  now: () => Date,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const [, bucketName = '', ...rest] = url.pathname.split('/');
  const key = decodeURIComponent(rest.join('/'));
  const bucket = buckets.get(bucketName);
  const body = await readBody(req);
  if (!bucket) throw new S3Refusal(404, 'NoSuchBucket', 'The specified bucket does not exist');
  const method = req.method ?? 'GET';
  const subresources = [...url.searchParams.keys()].filter(
    (name) => !['versionId', 'x-id', 'list-type', 'prefix', 'start-after', 'max-keys', 'continuation-token', 'encoding-type'].includes(name),
  );
  if (subresources.length > 0) throw new S3Refusal(501, 'NotImplemented', `the local S3 server does not implement ?${subresources[0]}`);

  if (key === '' && method === 'GET' && url.searchParams.get('list-type') === '2') return listObjects(bucket, url, res);
  if (key === '') throw new S3Refusal(501, 'NotImplemented', `the local S3 server does not implement ${method} on a bucket`);
  const versionId = url.searchParams.get('versionId') ?? undefined;
  // The bucket policy is judged before the request: a Deny on s3:PutObject when the s3:if-none-match key
  // is absent (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes-enforce.html), and
  // on s3:DeleteObject, which a delete with a version id is not (that is s3:DeleteObjectVersion).
  if (createOnly.has(bucketName) && ((method === 'PUT' && req.headers['if-none-match'] === undefined) || (method === 'DELETE' && versionId === undefined))) {
    throw new S3Refusal(403, 'AccessDenied', 'Access Denied');
  }
  if (method === 'PUT') return putObject(bucket, key, req, body, now, res);
  if (method === 'GET' || method === 'HEAD') return getObject(bucket, key, versionId, method === 'HEAD', res);
  if (method === 'DELETE') {
    if (versionId === undefined) {
      const marker = bucket.addDeleteMarker(key);
      res.writeHead(204, { 'x-amz-delete-marker': 'true', 'x-amz-version-id': marker.versionId }).end();
      return;
    }
    const removed = bucket.deleteVersion(key, versionId);
    res.writeHead(204, removed ? { 'x-amz-version-id': removed.versionId, ...(removed.deleteMarker ? { 'x-amz-delete-marker': 'true' } : {}) } : {}).end();
    return;
  }
  throw new S3Refusal(405, 'MethodNotAllowed', `The specified method is not allowed against this resource: ${method}`);
}

/**
 * PutObject. With Object Lock headers S3 requires Content-MD5 or an x-amz-checksum-* header
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html), needs both the mode and
 * the date, and a date in the future; a checksum that does not match the body is BadDigest.
 */
function putObject(bucket: VersionedBucket, key: string, req: IncomingMessage, body: Buffer, now: () => Date, res: ServerResponse): void {
  const header = (name: string) => {
    const value = req.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  // If-None-Match: * writes only when the key has no current version (a delete marker is none), else
  // 412 (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html). A condition
  // this server does not check (If-Match, an ETag) must not be taken as met: it is refused.
  const ifNoneMatch = header('if-none-match');
  if (req.headers['if-match'] !== undefined || (ifNoneMatch !== undefined && ifNoneMatch !== '*')) {
    throw new S3Refusal(501, 'NotImplemented', 'the local S3 server checks only If-None-Match: * on a write');
  }
  const current = bucket.version(key);
  if (ifNoneMatch === '*' && current !== null && !current.deleteMarker) {
    throw new S3Refusal(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
  }
  if (header('x-amz-copy-source') !== undefined) throw new S3Refusal(501, 'NotImplemented', 'the local S3 server does not implement CopyObject');
  // A streaming-signed (STREAMING-*) or aws-chunked body carries chunk signatures inside it: taking it whole would store
  // them as the object. The S3 client sends a Buffer body whole, with its length and x-amz-checksum-sha256.
  const streaming =
    header('content-encoding')?.includes('aws-chunked') ||
    header('x-amz-content-sha256')?.startsWith('STREAMING-') ||
    header('x-amz-decoded-content-length') !== undefined ||
    header('x-amz-trailer') !== undefined;
  if (streaming) throw new S3Refusal(501, 'NotImplemented', 'the local S3 server does not take aws-chunked or streaming-signed bodies, nor trailing checksums');
  const md5 = header('content-md5');
  const sha256 = header('x-amz-checksum-sha256');
  const otherChecksum = Object.keys(req.headers).find((name) => name.startsWith('x-amz-checksum-') && name !== 'x-amz-checksum-sha256');
  if (otherChecksum) throw new S3Refusal(501, 'NotImplemented', `the local S3 server checks only x-amz-checksum-sha256 and Content-MD5, not ${otherChecksum}`);
  if (md5 !== undefined && md5 !== createHash('md5').update(body).digest('base64')) {
    throw new S3Refusal(400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.');
  }
  if (sha256 !== undefined && sha256 !== createHash('sha256').update(body).digest('base64')) {
    throw new S3Refusal(400, 'BadDigest', 'The SHA256 you specified did not match the calculated checksum.');
  }
  const mode = header('x-amz-object-lock-mode');
  const until = header('x-amz-object-lock-retain-until-date');
  let lock: { mode: 'COMPLIANCE' | 'GOVERNANCE'; retainUntil: string } | null = null;
  if (mode !== undefined || until !== undefined) {
    if (md5 === undefined && sha256 === undefined) {
      throw new S3Refusal(400, 'InvalidRequest', 'Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters');
    }
    if (mode === undefined || until === undefined) {
      throw new S3Refusal(400, 'InvalidArgument', 'x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied');
    }
    if (mode !== 'COMPLIANCE' && mode !== 'GOVERNANCE') throw new S3Refusal(400, 'InvalidArgument', 'Unknown wormMode directive.');
    const time = Date.parse(until);
    if (Number.isNaN(time)) throw new S3Refusal(400, 'InvalidArgument', 'The retain until date is not a valid date');
    if (time <= now().getTime()) throw new S3Refusal(400, 'InvalidArgument', 'The retain until date must be in the future!');
    lock = { mode, retainUntil: new Date(time).toISOString() };
  }
  const version = bucket.put(key, body, lock);
  res.writeHead(200, { ETag: version.etag, 'x-amz-version-id': version.versionId, ...(sha256 ? { 'x-amz-checksum-sha256': sha256 } : {}) }).end();
}

function getObject(bucket: VersionedBucket, key: string, versionId: string | undefined, head: boolean, res: ServerResponse): void {
  const version = bucket.version(key, versionId);
  if (!version) {
    if (versionId !== undefined) throw new S3Refusal(404, 'NoSuchVersion', 'The specified version does not exist.');
    throw new S3Refusal(404, 'NoSuchKey', 'The specified key does not exist.');
  }
  if (version.deleteMarker) {
    // The current version is a delete marker: 404 NoSuchKey with x-amz-delete-marker (405 when asked for by id).
    res.setHeader('x-amz-delete-marker', 'true');
    res.setHeader('x-amz-version-id', version.versionId);
    if (versionId !== undefined) throw new S3Refusal(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
    throw new S3Refusal(404, 'NoSuchKey', 'The specified key does not exist.');
  }
  const body = bucket.body(version);
  res.writeHead(200, {
    'Content-Length': String(body.length),
    ETag: version.etag,
    'Last-Modified': new Date(version.lastModified).toUTCString(),
    'x-amz-version-id': version.versionId,
    ...(version.lockMode ? { 'x-amz-object-lock-mode': version.lockMode, 'x-amz-object-lock-retain-until-date': version.retainUntil } : {}),
  });
  res.end(head ? undefined : body);
}

/**
 * ListObjectsV2 (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html). S3 answers
 * 400 InvalidArgument for a max-keys that is not a whole number from 0 to 2^31-1 ("Argument maxKeys
 * must be an integer between 0 and 2147483647"), and for a continuation token it did not hand out
 * ("The continuation token provided is incorrect"); the docs say only that the token is obfuscated.
 * Past 1000 the page is capped at 1000.
 */
function listObjects(bucket: VersionedBucket, url: URL, res: ServerResponse): void {
  const prefix = url.searchParams.get('prefix') ?? '';
  const maxKeys = Math.min(1000, readMaxKeys(url.searchParams.get('max-keys')));
  const token = url.searchParams.get('continuation-token');
  const startAfter = token !== null ? keyOfToken(token, prefix) : (url.searchParams.get('start-after') ?? undefined);
  const { keys, truncated } = bucket.listKeys(prefix, startAfter, maxKeys);
  const last = keys[keys.length - 1];
  const xml = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">',
    `<Name>${escapeXml(bucket.name)}</Name><Prefix>${escapeXml(prefix)}</Prefix><KeyCount>${keys.length}</KeyCount><MaxKeys>${maxKeys}</MaxKeys>`,
    `<IsTruncated>${truncated}</IsTruncated>`,
    ...(truncated && last ? [`<NextContinuationToken>${tokenOf(last.key)}</NextContinuationToken>`] : []),
    ...keys.map(({ key, version }) => contents(key, version)),
    '</ListBucketResult>',
  ].join('');
  res.writeHead(200, { 'Content-Type': 'application/xml' }).end(xml);
}

function readMaxKeys(raw: string | null): number {
  if (raw === null) return 1000;
  const value = /^\d{1,10}$/.test(raw) ? Number(raw) : Number.NaN;
  if (value <= 2_147_483_647) return value;
  throw new S3Refusal(400, 'InvalidArgument', 'Argument maxKeys must be an integer between 0 and 2147483647');
}

const TOKEN_TAG = 'local-s3:';
const tokenOf = (key: string) => Buffer.from(`${TOKEN_TAG}${key}`, 'utf8').toString('base64url');

/** The key a token this server handed out continues after; any other token (junk, or another prefix's) is refused. */
function keyOfToken(token: string, prefix: string): string {
  const text = Buffer.from(token, 'base64url').toString('utf8');
  const key = text.slice(TOKEN_TAG.length);
  if (text.startsWith(TOKEN_TAG) && tokenOf(key) === token && key.startsWith(prefix)) return key;
  throw new S3Refusal(400, 'InvalidArgument', 'The continuation token provided is incorrect');
}

const contents = (key: string, version: ObjectVersion) =>
  `<Contents><Key>${escapeXml(key)}</Key><LastModified>${version.lastModified}</LastModified><ETag>${escapeXml(version.etag)}</ETag><Size>${version.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`;

function sendError(res: ServerResponse, refusal: S3Refusal, resource: string): void {
  if (res.headersSent) return void res.destroy();
  const xml = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${refusal.code}</Code><Message>${escapeXml(refusal.message)}</Message><Resource>${escapeXml(resource)}</Resource><RequestId>local</RequestId></Error>`;
  res.writeHead(refusal.status, { 'Content-Type': 'application/xml' }).end(res.req?.method === 'HEAD' ? undefined : xml);
}

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeAllConnections();
  });
}
