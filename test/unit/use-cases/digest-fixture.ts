import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalAuditSigner } from '#adapters/local/local-audit-signer.ts';
import type { AuditEntry } from '#domain/audit.ts';
import { MemoryArchive } from './memory-archive.ts';
import { MemoryDigestState } from './memory-digest-state.ts';
import { MemoryAuditOutbox } from './memory-outbox.ts';
import { MemoryAudit } from './memory-stores.ts';

/** One signing key for a test file: P-256 generation is the slow part. */
const keyFile = join(mkdtempSync(join(tmpdir(), 'digest-key-')), 'audit-signing-key.pem');

/** An audit log, the digest state over it, an archive and the local signer, on a clock the test moves. */
export function digestPorts(start = '2026-12-03T15:00:00.000Z') {
  const audit = new MemoryAudit();
  const clock = { at: new Date(start), now: () => new Date(clock.at) };
  const archive = new MemoryArchive();
  const digestState = new MemoryDigestState(audit);
  const signer = new LocalAuditSigner({ keyFile });
  const auditOutbox = new MemoryAuditOutbox();
  return { audit, clock, archive, digestState, signer, ports: { audit, auditOutbox, clock, auditArchive: { archive, signer, digestState } } };
}

/** A change to a service (or the system stream) at a time. */
export const change = (service: string | undefined, time: string, action = 'rule.update'): AuditEntry => ({
  time,
  actor: 'dev-admin',
  action,
  target: service ? `services/${service}` : 'system',
  before: null,
  after: { n: 1 },
  outcome: 'success',
  reasons: [],
  requestId: `req-${time}`,
  ...(service ? { service } : {}),
});
