import type { ArchiveStore } from '#ports/archive-store.ts';
import type { AuditArchivePorts, AuditDigestState } from '#ports/audit-digest-state.ts';
import type { AuditSigner } from '#ports/audit-signer.ts';
import type { Wiring } from '#ports/ports.ts';
import type { AuditArchiveConfig } from './audit-archive-config.ts';
import type { AwsConfig } from './config.ts';
import { buildAwsWiring } from './wiring.ts';

let apiWiring: Wiring | undefined;

/** The API's wiring with the archive's ports added, for verify's digest checks and GET /audit/public-key. */
export async function awsApiWiring(config: AwsConfig, archive: AuditArchiveConfig): Promise<Wiring> {
  if (!apiWiring) {
    const wiring = buildAwsWiring(config);
    apiWiring = { ...wiring, ports: { ...wiring.ports, auditArchive: lazyAuditArchivePorts(config, archive) } };
  }
  return apiWiring;
}

/**
 * The archive's ports, with the S3 and KMS clients loaded on the first call that needs them: most
 * API requests never verify, so their cold start should not evaluate those clients.
 */
export function lazyAuditArchivePorts(config: AwsConfig, archive: AuditArchiveConfig): AuditArchivePorts {
  let loading: Promise<AuditArchivePorts> | undefined;
  const ports = () => {
    loading ??= import('./audit-archive-wiring.ts').then(({ buildAuditArchivePorts }) => buildAuditArchivePorts(config, archive));
    // A failed load is forgotten, so the next call tries again.
    loading.catch(() => {
      loading = undefined;
    });
    return loading;
  };
  const via = <P extends keyof AuditArchivePorts>(port: P) =>
    new Proxy({} as AuditArchivePorts[P], {
      // Every property is a method of the port; `then` is not, so the proxy is never taken for a promise.
      get: (_target, method: string) =>
        method === 'then'
          ? undefined
          : async (...args: unknown[]) => {
              const target = (await ports())[port] as unknown as Record<string, ((...a: unknown[]) => Promise<unknown>) | undefined>;
              const call = target[method];
              if (!call) throw new TypeError(`${port}.${method} is not a method`);
              return call.apply(target, args);
            },
    });
  return { archive: via('archive') as ArchiveStore, signer: via('signer') as AuditSigner, digestState: via('digestState') as AuditDigestState };
}
