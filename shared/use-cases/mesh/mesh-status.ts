import type { MtlsMode } from '#domain/mesh/canonical.ts';
import type { MeshPorts } from '#ports/ports.ts';
import { inForce } from './mesh-records.ts';
import { readRootCas } from './root-ca-check.ts';

export const CERTIFICATES_NOTE = "workload certificates are issued and rotated by Istio's CA (24 h, rotated at half-life); hms-sys issues none";

export interface ServiceStatus {
  name: string;
  namespace: string;
  mtls: MtlsMode;
  /** PERMISSIVE accepts plain text beside mTLS: flagged, as FedRAMP's zero trust wants STRICT. */
  flagged?: string;
  paused: { until: string; by: string; reason?: string } | null;
  breaker: { until: string; reasons: string[] } | null;
}

/**
 * `hms-sys mesh status` and GET /mesh/status: each service's mTLS mode with PERMISSIVE flagged, and
 * any pause or open breaker in force. Read from the registry hms-sys keeps.
 */
export async function meshStatus(ports: MeshPorts) {
  const now = ports.clock.now();
  const [services, pauses, breakers] = await Promise.all([ports.meshStore.list('service'), ports.meshStore.list('pause'), ports.meshStore.list('breaker')]);
  const rows: ServiceStatus[] = services
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((entry) => {
      const pause = pauses.find((p) => p.service === entry.name && inForce(p, now));
      const breaker = breakers.find((b) => b.service === entry.name && inForce(b, now));
      return {
        name: entry.name,
        namespace: entry.namespace,
        mtls: entry.mtls,
        ...(entry.mtls === 'PERMISSIVE' ? { flagged: 'PERMISSIVE: plain-text calls are accepted too; set mTLS: required for STRICT' } : {}),
        paused: pause ? { until: pause.until, by: pause.by, ...(pause.reason ? { reason: pause.reason } : {}) } : null,
        breaker: breaker ? { until: breaker.until, reasons: breaker.reasons } : null,
      };
    });
  return {
    services: rows,
    permissive: rows.filter((r) => r.mtls === 'PERMISSIVE').map((r) => r.name),
    certificates: CERTIFICATES_NOTE,
    rootCa: await rootCaStatus(ports),
  };
}

/**
 * The mesh root CA's expiry as the scheduled check reads it (root-ca-check.ts), with a line in words
 * per certificate; a cluster that cannot be read is said so, not hidden and not fatal to the status.
 */
async function rootCaStatus(ports: MeshPorts) {
  try {
    const { certificates, missing, unreadable } = await readRootCas(ports);
    const lines = certificates.map(
      (c) =>
        `${c.subject} (${c.cluster}) expires ${c.notAfter}: ${c.expired ? 'EXPIRED' : `${c.daysLeft} days left`}${c.alert && !c.expired ? ' ⚠ within 30 days' : ''}`,
    );
    if (certificates.length === 0) lines.push(`no root certificate found (${missing.length} places looked at)`);
    for (const u of unreadable) lines.push(`${u.source} (${u.cluster}) unreadable: ${u.problem}`);
    return { certificates, unreadable, lines };
  } catch (err) {
    return { certificates: [], unreadable: [], lines: [`could not be read: ${(err as Error).message}`] };
  }
}
