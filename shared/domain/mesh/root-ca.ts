import { X509Certificate } from 'node:crypto';

/** Days before the mesh root CA's expiry at which hms-sys alerts (issue §6). */
export const ROOT_CA_WARNING_DAYS = 30;
const DAY_MS = 86_400_000;

/**
 * Where istiod publishes the mesh's root of trust, in every namespace
 * (https://istio.io/latest/docs/tasks/security/cert-management/plugin-ca-cert/). It is the only place
 * hms-sys reads: Istio's cacerts Secret also holds ca-key.pem, and RBAC cannot grant a get of some
 * keys of a Secret, so reading it would hand hms-sys the mesh CA's signing key.
 */
export const ISTIO_ROOT_CONFIGMAP = { name: 'istio-ca-root-cert', key: 'root-cert.pem' } as const;

export interface CertificateFacts {
  subject: string;
  issuer: string;
  /** SHA-256 of the DER, as colon-separated hex (openssl's -fingerprint -sha256). */
  fingerprint: string;
  notBefore: string;
  notAfter: string;
}

export interface CertificateExpiry {
  /** Whole days left (negative once expired). */
  daysLeft: number;
  expired: boolean;
  /** Within the warning window, or past it. */
  alert: boolean;
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * The certificates of a PEM bundle (a root bundle holds old and new roots during a rotation), or the
 * problem that stops one being read. Text without any certificate block is a problem too.
 */
export function readPemCertificates(pem: string): { certificates: CertificateFacts[]; problems: string[] } {
  const blocks = pem.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) return { certificates: [], problems: ['holds no PEM certificate'] };
  const certificates: CertificateFacts[] = [];
  const problems: string[] = [];
  for (const block of blocks) {
    try {
      const cert = new X509Certificate(block);
      certificates.push({
        subject: cert.subject.replaceAll('\n', ', '),
        issuer: cert.issuer.replaceAll('\n', ', '),
        fingerprint: cert.fingerprint256,
        notBefore: new Date(cert.validFrom).toISOString(),
        notAfter: new Date(cert.validTo).toISOString(),
      });
    } catch (err) {
      problems.push(`a certificate block cannot be parsed: ${(err as Error).message}`);
    }
  }
  return { certificates, problems };
}

export function expiryOf(notAfter: string, now: Date, warningDays = ROOT_CA_WARNING_DAYS): CertificateExpiry {
  const leftMs = new Date(notAfter).getTime() - now.getTime();
  return { daysLeft: Math.floor(leftMs / DAY_MS), expired: leftMs <= 0, alert: leftMs <= warningDays * DAY_MS };
}
