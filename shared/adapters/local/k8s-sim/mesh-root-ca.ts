/**
 * The mesh's root certificate as Istio keeps it, so hms-sys's root-CA expiry check has something
 * real to read: a `cacerts` Secret in istio-system (Istio's plugged-in CA layout: ca-cert.pem,
 * ca-key.pem, root-cert.pem, cert-chain.pem; https://istio.io/latest/docs/tasks/security/cert-management/plugin-ca-cert/)
 * made at the cluster's first start with a real self-signed root, and the `istio-ca-root-cert`
 * ConfigMap (key root-cert.pem) that istiod writes into every namespace, derived from the Secret.
 * istiod's own self-signed root lasts 10 years (CITADEL_SELF_SIGNED_CA_CERT_TTL, 87600h); so does
 * this one unless the simulator is given notAfter.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { field, isObject, type Json } from './request-parsing.ts';
import type { SimState } from './state.ts';

x509.cryptoProvider.set(webcrypto as unknown as ReturnType<typeof x509.cryptoProvider.get>);

export const ISTIO_NAMESPACE = 'istio-system';
export const CACERTS = 'cacerts';
export const ROOT_CERT_CONFIGMAP = 'istio-ca-root-cert';
const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;
/** Namespaces istiod does not write the root certificate into. */
const SKIPPED = new Set(['kube-system', 'kube-public', 'kube-node-lease']);

export interface MeshRootCaOptions {
  /** The root's expiry; 10 years from the first start by default. */
  notAfter?: Date;
}

/** Makes the cacerts Secret with a new self-signed root, unless one is kept already. */
export async function ensureMeshRootCa(state: SimState, options: MeshRootCaOptions = {}): Promise<void> {
  if (state.objects.get('secrets', ISTIO_NAMESPACE, CACERTS)) return;
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const now = Date.now();
  const notAfter = options.notAfter ?? new Date(now + 3650 * DAY_MS);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: 'O=cluster.local, CN=hms-sys sandbox mesh root CA',
    notBefore: new Date(Math.min(now - DAY_MS, notAfter.getTime() - DAY_MS)),
    notAfter,
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const certPem = cert.toString('pem');
  const keyPem = x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
  const b64 = (text: string) => Buffer.from(`${text.trim()}\n`).toString('base64');
  state.objects.put('secrets', {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: { name: CACERTS, namespace: ISTIO_NAMESPACE, uid: webcrypto.randomUUID(), creationTimestamp: state.timestamp() },
    data: { 'ca-cert.pem': b64(certPem), 'ca-key.pem': b64(keyPem), 'root-cert.pem': b64(certPem), 'cert-chain.pem': b64(certPem) },
  });
}

/** The istio-ca-root-cert ConfigMap of each namespace (or of one), from the cacerts Secret's root-cert.pem. */
export function rootCertConfigMaps(state: SimState, namespaces: string[]): Json[] {
  const secret = state.objects.get('secrets', ISTIO_NAMESPACE, CACERTS);
  const encoded = field(secret, 'data', 'root-cert.pem');
  if (!isObject(secret) || typeof encoded !== 'string') return [];
  const data = { 'root-cert.pem': Buffer.from(encoded, 'base64').toString('utf8') };
  return namespaces
    .filter((ns) => !SKIPPED.has(ns) && !state.objects.get('configmaps', ns, ROOT_CERT_CONFIGMAP))
    .map((namespace) => {
      const meta = state.objects.derivedMeta(`configmaps/${namespace}/${ROOT_CERT_CONFIGMAP}`, JSON.stringify(data), state.timestamp());
      return {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: ROOT_CERT_CONFIGMAP, namespace, labels: { 'istio.io/config': 'true' }, ...meta },
        data,
      };
    });
}

/** 16 random bytes with the top bit clear: a positive serial, as RFC 5280 requires. */
function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = bytes[0]! & 0x7f;
  return Buffer.from(bytes).toString('hex');
}
