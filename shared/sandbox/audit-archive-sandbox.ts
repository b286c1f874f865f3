import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbAuditDigestState } from '#adapters/aws/dynamodb-audit-digest-state.ts';
import { S3ArchiveStore, s3Client } from '#adapters/aws/s3-archive-store.ts';
import { LocalAuditSigner } from '#adapters/local/local-audit-signer.ts';
import { type LocalS3Server, startLocalS3 } from '#adapters/local/local-s3/s3-server.ts';
import { createAuditDigestHandler, type DigestWiring } from '#functions/audit-digest/audit-digest.ts';
import { auditDigestFunction } from '#functions/audit-digest/triggers.ts';
import type { AuditArchivePorts } from '#ports/audit-digest-state.ts';
import type { AuditLog } from '#ports/audit-log.ts';
import type { AuditOutbox } from '#ports/audit-outbox.ts';
import type { Clock } from '#ports/clock.ts';
import type { LocalBus, LocalHandler } from './local-bus.ts';
import { startOnRememberedPort } from './remembered-port.ts';

/** The sandbox's audit bucket on the local S3 server, as HMS_AUDIT_BUCKET names the real one. */
export const SANDBOX_AUDIT_BUCKET = 'hms-sys-audit-archive';

export interface AuditArchiveSandboxOptions {
  dataDir: string;
  persist: boolean;
  clock: Clock;
  bus: LocalBus;
  dynamo: DynamoDBClient;
  auditTable: string;
  audit: AuditLog;
  auditOutbox: AuditOutbox;
  reporter: { error(message: string, details: Record<string, unknown>): void };
  /** Minutes between scheduled digest runs (60 in AWS). */
  digestMinutes: number;
  /** HMS_AUDIT_RETENTION_DAYS and HMS_AUDIT_HOT_DAYS, as the stack sets them (365 and 90). */
  retentionDays?: number;
  hotDays?: number;
}

export interface AuditArchiveSandbox {
  ports: AuditArchivePorts;
  /** The local S3 server's endpoint (path-style) and the bucket, for a client of one's own. */
  s3Endpoint: string;
  bucket: string;
  /** The port the local S3 server had at the last start was taken, so the endpoint moved. */
  portChanged: boolean;
  /** The digest function, for its HTTP route. */
  handler: LocalHandler;
  /** A scheduled run now: digests, then the prune. */
  digestNow(): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * The audit archive as the sandbox runs it: the local S3-wire server (versioned, Object Lock in
 * compliance mode) persisted under the state folder, a local P-256 signing key kept there too,
 * and the digest function on its declared schedule, over the same adapters and code as in AWS.
 */
export async function startAuditArchiveSandbox(options: AuditArchiveSandboxOptions): Promise<AuditArchiveSandbox> {
  const startS3 = (port: number) =>
    startLocalS3({
      buckets: [SANDBOX_AUDIT_BUCKET],
      // The audit bucket's policy in AWS: no put without If-None-Match, no delete marker.
      createOnlyBuckets: [SANDBOX_AUDIT_BUCKET],
      port,
      ...(options.persist ? { dataDir: join(options.dataDir, 's3') } : {}),
      now: () => options.clock.now(),
    });
  // A persisted sandbox keeps its S3 port across restarts (s3-port), as it keeps the Kubernetes and PostgreSQL ports.
  const { started: s3, portChanged }: { started: LocalS3Server; portChanged: boolean } = options.persist
    ? await startOnRememberedPort(join(options.dataDir, 's3-port'), startS3, (server) => Number(new URL(server.endpoint).port))
    : { started: await startS3(0), portChanged: false };
  const ports: AuditArchivePorts = {
    archive: new S3ArchiveStore({ client: s3Client({ region: 'us-east-1', endpoint: s3.endpoint }), bucket: SANDBOX_AUDIT_BUCKET }),
    signer: new LocalAuditSigner({ keyFile: join(options.dataDir, 'audit-signing-key.pem') }),
    digestState: new DynamoDbAuditDigestState({ client: options.dynamo, tableName: options.auditTable }),
  };
  const wiring: DigestWiring = {
    controllerActor: 'role/hms-sys-audit-digest',
    settings: { retentionDays: options.retentionDays ?? 365, hotDays: options.hotDays ?? 90 },
    ports: { audit: options.audit, auditOutbox: options.auditOutbox, clock: options.clock, auditArchive: ports },
  };
  const handler = createAuditDigestHandler(async () => wiring, options.reporter) as unknown as LocalHandler;
  const declaredMinutes = auditDigestFunction.triggers.find((t) => t.kind === 'schedule')?.rateMinutes ?? 60;
  options.bus.register(auditDigestFunction, handler, options.digestMinutes / declaredMinutes);
  return {
    ports,
    s3Endpoint: s3.endpoint,
    bucket: SANDBOX_AUDIT_BUCKET,
    portChanged,
    handler,
    digestNow: () => options.bus.invoke(auditDigestFunction.name, handler, { id: `manual-digest-${Date.now()}` }),
    close: () => s3.close(),
  };
}
