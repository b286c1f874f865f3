import type { ObjectRef } from '#domain/mesh/canonical.ts';
import {
  type CertificateExpiry,
  type CertificateFacts,
  expiryOf,
  ISTIO_ROOT_CONFIGMAP,
  ROOT_CA_WARNING_DAYS,
  readPemCertificates,
} from '#domain/mesh/root-ca.ts';
import { logger } from '#observability/logger.ts';
import type { Caller, MeshOpsPorts } from '#ports/ports.ts';
import { record } from '#use-cases/record.ts';

/** The EventBridge detail-type of the alert (source hms.sys), which the operator topic's rule routes. */
export const ROOT_CA_EXPIRING = 'Mesh Root CA Expiring';
/** How long one run holds a day's alert claim before another run may take it over. */
const CLAIM_LEASE_SECONDS = 300;
/** Istio's own page on replacing the CA, named in every alert. */
const ROTATE_HOW = 'https://istio.io/latest/docs/tasks/security/cert-management/plugin-ca-cert/';

export type RootCaPorts = Pick<MeshOpsPorts, 'mesh' | 'meshStore' | 'meshConfig' | 'events' | 'store' | 'audit' | 'clock'>;

/** One certificate found, with every place it was read from (the same root sits in every namespace). */
export interface RootCaReading extends CertificateFacts, CertificateExpiry {
  cluster: string;
  sources: string[];
}

export interface RootCaProblem {
  cluster: string;
  source: string;
  problem: string;
}

export interface RootCaCheck {
  checkedAt: string;
  warningDays: number;
  certificates: RootCaReading[];
  /** Fingerprints alerted on in this run. */
  alerted: string[];
  /** Fingerprints already alerted on today (by an earlier run), or being alerted on by a run under way. */
  alreadyAlerted: string[];
  /** Sources that were not there (a namespace Istio has not reached yet). */
  missing: { cluster: string; source: string }[];
  unreadable: RootCaProblem[];
}

const configMapRef = (namespace: string): ObjectRef => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name: ISTIO_ROOT_CONFIGMAP.name });

/** The clusters the mesh runs on: the default one and every registered service's. */
async function meshClusters(ports: Pick<RootCaPorts, 'meshStore' | 'meshConfig'>): Promise<string[]> {
  const entries = await ports.meshStore.list('service');
  return [...new Set([ports.meshConfig.defaultCluster, ...entries.map((e) => e.cluster)])];
}

/**
 * Reads the mesh's root certificates from Istio's istio-ca-root-cert ConfigMap (key root-cert.pem) in
 * each managed namespace, and from nothing else: never the cacerts Secret, which holds the CA's
 * signing key (ca-key.pem) beside its certificates. With a plugged-in CA the ConfigMap holds the
 * root only, not the intermediate (ca-cert.pem), so the intermediate's expiry is not seen here.
 * A cluster that cannot be reached throws (the schedule's run fails and says so).
 */
export async function readRootCas(ports: Pick<RootCaPorts, 'mesh' | 'meshStore' | 'meshConfig' | 'clock'>) {
  const now = ports.clock.now();
  const found = new Map<string, RootCaReading>();
  const missing: RootCaCheck['missing'] = [];
  const unreadable: RootCaProblem[] = [];
  const take = (cluster: string, source: string, pem: string) => {
    const { certificates, problems } = readPemCertificates(pem);
    for (const problem of problems) unreadable.push({ cluster, source, problem });
    for (const facts of certificates) {
      const key = `${cluster} ${facts.fingerprint}`;
      const seen = found.get(key);
      if (seen) seen.sources.push(source);
      else found.set(key, { cluster, ...facts, ...expiryOf(facts.notAfter, now), sources: [source] });
    }
  };
  const { managedNamespaces } = ports.meshConfig;
  for (const cluster of await meshClusters(ports)) {
    for (const namespace of managedNamespaces) {
      const source = `ConfigMap ${namespace}/${ISTIO_ROOT_CONFIGMAP.name}`;
      const map = await ports.mesh.get(cluster, configMapRef(namespace));
      const pem = (map as { data?: Record<string, string> } | null)?.data?.[ISTIO_ROOT_CONFIGMAP.key];
      if (pem === undefined) missing.push({ cluster, source });
      else take(cluster, source, pem);
    }
  }
  return { certificates: [...found.values()], missing, unreadable };
}

/**
 * The scheduled check (MeshRootCaCheck, every 6 h): every mesh root certificate that expires
 * within 30 days (or has expired) is published as a `Mesh Root CA Expiring` event for the operator
 * topic and recorded in the audit, once per certificate per UTC day however often the check runs:
 * a claim keyed by cluster, fingerprint and day (StateStore.claimEvent) is completed after both.
 * If the publish or the record fails, the claim is given back and the next run alerts again, so an
 * alert may repeat but is not lost. hms-sys reads these certificates; it never mints or rotates them.
 */
export async function checkRootCa(ports: RootCaPorts, caller: Caller): Promise<RootCaCheck> {
  const now = ports.clock.now();
  const reading = await readRootCas(ports);
  for (const problem of reading.unreadable) logger.warn('mesh root CA unreadable', { ...problem });
  const result: RootCaCheck = { checkedAt: now.toISOString(), warningDays: ROOT_CA_WARNING_DAYS, ...reading, alerted: [], alreadyAlerted: [] };
  for (const cert of reading.certificates.filter((c) => c.alert)) {
    const claimKey = `mesh-root-ca:${cert.cluster}:${cert.fingerprint}:${now.toISOString().slice(0, 10)}`;
    const claim = await ports.store.claimEvent(claimKey, CLAIM_LEASE_SECONDS, now);
    if (claim.status !== 'claimed') {
      result.alreadyAlerted.push(cert.fingerprint);
      continue;
    }
    try {
      await alert(ports, caller, cert);
    } catch (err) {
      await ports.store.releaseEvent(claimKey, claim.token).catch(() => undefined);
      throw err;
    }
    await ports.store.completeEvent(claimKey, claim.token, { alertedAt: now.toISOString() }, now);
    result.alerted.push(cert.fingerprint);
  }
  return result;
}

function words(cert: RootCaReading): string {
  const when = cert.expired ? `expired at ${cert.notAfter}` : `expires at ${cert.notAfter}, in ${cert.daysLeft} days`;
  return `the mesh CA certificate ${cert.subject} on cluster ${cert.cluster} (${cert.sources.join('; ')}) ${when}`;
}

async function alert(ports: RootCaPorts, caller: Caller, cert: RootCaReading): Promise<void> {
  const reasons = [
    `${words(cert)}; hms-sys alerts ${ROOT_CA_WARNING_DAYS} days before`,
    'once it has expired, workloads can no longer verify each other and mTLS calls across the mesh fail',
    `hms-sys does not mint or rotate it: replace it as Istio describes at ${ROTATE_HOW}`,
  ];
  await ports.events.publish([
    {
      detailType: ROOT_CA_EXPIRING,
      detail: {
        cluster: cert.cluster,
        subject: cert.subject,
        issuer: cert.issuer,
        fingerprintSha256: cert.fingerprint,
        notAfter: cert.notAfter,
        daysLeft: cert.daysLeft,
        expired: cert.expired,
        sources: cert.sources,
        warningDays: ROOT_CA_WARNING_DAYS,
        message: reasons.join('; '),
      },
      resources: [`cluster/${cert.cluster}`],
    },
  ]);
  await record(ports, caller, {
    action: cert.expired ? 'mesh.root-ca.expired' : 'mesh.root-ca.expiring',
    target: `mesh-root-ca/${cert.cluster}/${cert.fingerprint}`,
    before: null,
    after: { notAfter: cert.notAfter, daysLeft: cert.daysLeft, sources: cert.sources },
    outcome: 'success',
    reasons,
  });
}
