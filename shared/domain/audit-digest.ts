/**
 * The signed digest of one audit stream's records since its previous digest (docs/audit-format.md
 * is the specification; keep the two in step). Implementations of building, signing input and
 * checking live beside these types.
 */
export interface AuditDigest {
  /** The format's version: 1. */
  version: 1;
  stream: string;
  /** The records covered, inclusive: seq firstSeq..lastSeq of the stream. */
  firstSeq: number;
  lastSeq: number;
  /** The hash of record firstSeq and of record lastSeq. */
  firstHash: string;
  lastHash: string;
  recordCount: number;
  /** SHA-256 (hex) of the previous digest of this stream, canonical JSON with its signature; null for the first. */
  previousDigestHash: string | null;
  /** When the digest was made (ISO 8601, UTC). */
  digestTime: string;
  /** The archive object holding records firstSeq..lastSeq as JSON Lines, and its SHA-256 (hex). */
  archiveKey: string;
  archiveSha256: string;
  keyId: string;
  algorithm: 'ECDSA_SHA_256';
  /** Base64 DER ECDSA signature over the UTF-8 canonical JSON of every other field. */
  signature: string;
}
