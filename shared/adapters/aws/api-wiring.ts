import type { Wiring } from '#ports/ports.ts';
import type { AuditArchiveConfig } from './audit-archive-config.ts';
import { buildAuditArchivePorts } from './audit-archive-wiring.ts';
import type { AwsConfig } from './config.ts';
import { buildAwsWiring } from './wiring.ts';

let apiWiring: Wiring | undefined;

/** The API's wiring with the archive's ports added, for verify's digest checks and GET /audit/public-key. */
export async function awsApiWiring(config: AwsConfig, archive: AuditArchiveConfig): Promise<Wiring> {
  if (!apiWiring) {
    const wiring = buildAwsWiring(config);
    apiWiring = { ...wiring, ports: { ...wiring.ports, auditArchive: buildAuditArchivePorts(config, archive) } };
  }
  return apiWiring;
}
