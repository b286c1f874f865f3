import type { Control, NamedTest } from './evidence.ts';

/** A test in `file`, named by its describe titles then its own. */
const t = (file: string, ...name: string[]): NamedTest => ({ file, name });

const LOOKUPS = 'test/unit/functions/lookup-recording.test.ts';
const LOOKUPS_E2E = 'test/integration/lookups.test.ts';
const OUTBOX = 'test/unit/use-cases/drain-audit-outbox.test.ts';
const OFFLINE = 'test/unit/use-cases/verify-archive.test.ts';
const INDEPENDENT = 'test/unit/use-cases/independent-verifier.test.ts';
const DIGESTS = 'test/unit/use-cases/audit-digests.test.ts';
const SIGNERS = 'test/unit/adapters/audit-signers.test.ts';
const ARCHIVE = 'test/infra/audit-archive.test.ts';
const AUTH = 'test/integration/auth.test.ts';
const ONLINE_VERIFY = 'test/unit/use-cases/audit-verify-digests.test.ts';
const DIGESTS_E2E = 'test/integration/audit-digests.test.ts';
const CRASH_MATRIX = 'test/unit/use-cases/audit-crash-matrix.test.ts';

/**
 * The NIST SP 800-53 rev 5 controls hms-sys helps meet, as `hms-sys compliance evidence` reports them.
 * Name only tests that exist and show the claim; a control without such evidence is `not met`, saying why.
 */
export const CONTROLS: readonly Control[] = [
  {
    id: 'AU-2',
    title: 'Event Logging',
    status: 'met',
    how: 'Every change (rules, scaling, rotation steps, secrets, budgets) and every authenticated read (audit records, secrets metadata, credentials, budgets, rules, services) is recorded, a denied read too.',
    feature: 'Audit streams per service and lookup#YYYY-MM-DD streams for reads, in the audit table; no setting turns them off.',
    tests: [
      t(LOOKUPS, 'every authenticated read is recorded as a lookup', 'puts a served read into the outbox with who, what, when, the query and the outcome'),
      t(LOOKUPS, 'every authenticated read is recorded as a lookup', 'records a read refused for want of its scope as denied, and answers 403'),
      t(
        LOOKUPS_E2E,
        'lookups through the sandbox API',
        'records reads of all three HTTP functions at once, with who, what, the query and the outcome, apart from the changes',
      ),
    ],
  },
  {
    id: 'AU-3',
    title: 'Content of Audit Records',
    status: 'met',
    how: 'Each record holds who (the token subject or the function), what (action and target), when, the request id, the query or the before and after state, and the outcome (success, failure or denied).',
    feature: 'The AuditEntry record format (docs/audit-format.md).',
    tests: [
      t(LOOKUPS, 'every authenticated read is recorded as a lookup', 'puts a served read into the outbox with who, what, when, the query and the outcome'),
      t(AUTH, 'auth on every route', "records the token's subject as the actor"),
    ],
  },
  {
    id: 'AU-8',
    title: 'Time Stamps',
    status: 'met',
    how: "Every record is stamped from the writing function's clock in UTC, to the millisecond (ISO 8601 with Z), and each signed digest carries the time it was made.",
    feature:
      "The functions' clock; its synchronization is Lambda's (Amazon Time Sync Service), which hms-sys neither configures nor checks (that is SC-45, not claimed here).",
    tests: [
      t(LOOKUPS, 'every authenticated read is recorded as a lookup', 'puts a served read into the outbox with who, what, when, the query and the outcome'),
    ],
  },
  {
    id: 'AU-9',
    title: 'Protection of Audit Information',
    status: 'met',
    how: 'Records are hash-chained per stream; functions may only append; signed digests and the archive go to an Object Lock bucket in compliance mode, so an edit, a deletion of the newest records or a rewritten chain is caught and named.',
    feature:
      'Audit table grants (append-only but for the outbox and the prune), the archive bucket (Object Lock, COMPLIANCE, hms:auditRetentionDays), verify (GET /audit/verify, hms-sys audit verify).',
    tests: [
      t('test/unit/domain/audit.test.ts', 'audit chain', 'finds an edited record'),
      t(ONLINE_VERIFY, 'verify against the signed digests', 'catches a deleted newest record and names it, which the chain alone cannot'),
      t(
        OFFLINE,
        'verifying an exported archive offline',
        'names a whole chain rewritten and re-hashed, whether its digests are kept or re-signed with another key',
      ),
      t(ARCHIVE, 'the audit archive bucket', 'is versioned with Object Lock in compliance mode for hms:auditRetentionDays'),
      t(DIGESTS_E2E, 'signed audit digests in the sandbox', 'the bucket refuses to delete a digest version (403 AccessDenied)'),
    ],
  },
  {
    id: 'AU-9(3)',
    title: 'Protection of Audit Information | Cryptographic Protection',
    status: 'met',
    how: 'Every hour and on demand, each changed stream gets a digest signed with an ECDSA P-256 KMS key, chained to the digest before it, covering the archived records by SHA-256.',
    feature: 'The audit-digest function (hourly, POST /audit/digests), the signing key (AuditSigningKeyArn).',
    tests: [
      t(DIGESTS, 'runDigests', 'digests each changed stream: archive then signed digest, both locked for the retention, and publishes the public key'),
      t(ONLINE_VERIFY, 'verify against the signed digests', 'catches a forged digest (signed with another key) and names its object'),
      t(OFFLINE, 'verifying an exported archive offline', 'names a forged digest by its signature'),
      t(SIGNERS, 'KmsAuditSigner requests', 'asks KMS Sign for ECDSA_SHA_256 over the RAW message with the configured key'),
    ],
  },
  {
    id: 'AU-10',
    title: 'Non-repudiation',
    status: 'partly met',
    how: "Digests are signed with a key only the digest function's role may use, and anyone can check them against the published public key without hms-sys.",
    feature: 'The signing key policy (Sign for the digest role alone), docs/audit-format.md, hms-sys audit verify --offline.',
    tests: [
      t(
        ARCHIVE,
        'the audit signing key',
        'only the digest function role may sign: no other key-policy statement, and no identity policy or grant right, reaches kms:Sign',
      ),
      t(INDEPENDENT, 'an independent verifier written only from docs/audit-format.md', 'passes an intact export, proving each stream as far as hms-sys does'),
      t(
        'test/integration/audit-offline.test.ts',
        'an archive the sandbox signed, exported and verified offline',
        'exports two digest runs of changes and lookups, which both verifiers pass with no sandbox and no AWS',
      ),
    ],
    gap: 'The signature is the system\'s, made up to an hour after the action: it binds the records as written, but the user does not sign their own request, so "who" rests on the identity provider\'s token as API Gateway validated it.',
  },
  {
    id: 'AU-11',
    title: 'Audit Record Retention',
    status: 'met',
    how: 'Records stay in the table for the hot period and leave it only once archived and verified; the archive keeps every object locked for the retention period, which no one can shorten.',
    feature: 'hms:auditRetentionDays (default 365) and hms:auditHotDays (default 90); README, Deploy, Audit archive.',
    tests: [
      t(ARCHIVE, 'the audit archive bucket', 'is versioned with Object Lock in compliance mode for hms:auditRetentionDays'),
      t(ARCHIVE, 'the audit archive bucket', 'retains 365 days when hms:auditRetentionDays is left out'),
      t(
        'test/unit/adapters/s3-archive-store.test.ts',
        'S3ArchiveStore request shapes',
        'puts each object locked in compliance mode until its retain-until date, with a SHA-256 checksum S3 checks',
      ),
      t(
        ONLINE_VERIFY,
        'retention prune (AU-11)',
        'deletes records past the hot period only once their digest and archive verify; verify then starts after them',
      ),
      t(ONLINE_VERIFY, 'retention prune (AU-11)', 'refuses to prune when the archive does not match its digest, and deletes nothing'),
      t(
        'test/integration/audit-retention.test.ts',
        'retention prune in the sandbox (AU-11)',
        'records past the hot period leave the table once archived and verified; verify still holds and starts after them',
      ),
    ],
  },
  {
    id: 'AU-12',
    title: 'Audit Record Generation',
    status: 'met',
    how: "A change's intent is recorded before the change and its record after, and a drainer records what a crash left; a read is recorded with it or refused (503), so no change or read goes unrecorded.",
    feature:
      'The audit outbox (outbox# items in the audit table), drained by the reconciler, the secret sweeper and the sandbox; HMS_AUDIT_OUTBOX_GRACE_SECONDS.',
    tests: [
      t(CRASH_MATRIX, 'the crash matrix: a change killed at any point between its intent and its record has exactly one record after recovery', 'rule update'),
      t(CRASH_MATRIX, 'the crash matrix: a change killed at any point between its intent and its record has exactly one record after recovery', 'manual scale'),
      t(
        CRASH_MATRIX,
        'the crash matrix: a change killed at any point between its intent and its record has exactly one record after recovery',
        'alarm-driven scale',
      ),
      t(
        'test/unit/use-cases/audit-crash-dynalite.test.ts',
        'the crash matrix on DynamoDB (dynalite)',
        'a rule update killed at any point between its intent and its record has exactly one record after recovery',
      ),
      t(
        'test/integration/audit-outbox-recovery.test.ts',
        'a change whose writer stopped before its audit record',
        'is recorded, once, when the sandbox starts again on the same data folder',
      ),
      t(OUTBOX, 'drainAuditOutbox: intents', 'records a change that stood as a success, saying the drainer recorded it, and one that did not as a failure'),
      t(LOOKUPS, 'every authenticated read is recorded as a lookup', 'fails closed: a read whose lookup cannot be stored is answered 503 and serves nothing'),
    ],
  },
  {
    id: 'AC-3',
    title: 'Access Enforcement',
    status: 'met',
    how: 'Every route requires a JWT carrying its scope, checked by API Gateway and again by the function; a read without its scope is refused and recorded as denied.',
    feature: 'Route scopes (hms/rules.write, hms/audit.read, ...) on the HTTP API.',
    tests: [
      t(LOOKUPS_E2E, 'lookups through the sandbox API', 'records a read denied for want of its scope, then answers 403'),
      t(DIGESTS_E2E, 'signed audit digests in the sandbox', 'a reader without hms/audit.digest may not run one (403)'),
      t(AUTH, "the sandbox's own routes", 'require their scopes too'),
    ],
  },
  {
    id: 'AC-6',
    title: 'Least Privilege',
    status: 'met',
    how: "Each function's role holds only what its code sends, on the resources it sends it to; the build fails on a wildcard action or an unacknowledged cdk-nag finding.",
    feature: 'Needs declared per function (functions/*/triggers.ts) turned into scoped grants; the IAM conformance and cdk-nag tests.',
    tests: [
      t('test/infra/iam.test.ts', 'IAM', 'no Allow statement grants a wildcard action (bar the key-policy account delegation)'),
      t('test/infra/nag.test.ts', 'cdk-nag (AWS Solutions, NIST 800-53 rev 5)', 'synth leaves no unacknowledged error or warning'),
      t(
        'test/infra/iam-conformance.test.ts',
        'each role allows what its function sends',
        'the unused-grant check can fail: the grants credentials-manage and secrets-rotate-start once gave, each reported where its code does not send it',
      ),
    ],
  },
  {
    id: 'IA-2',
    title: 'Identification and Authentication (Organizational Users)',
    status: 'met',
    how: "Users are identified by the agency's identity provider: every request needs a valid JWT from the configured issuer and audience, and its subject is recorded.",
    feature: 'hms:jwtIssuer and hms:jwtAudience (the HTTP API JWT authorizer).',
    tests: [
      t(AUTH, 'auth on every route', 'refuses a token signed by another key'),
      t(AUTH, 'auth on every route', 'refuses a malformed token, a tampered one and an expired one'),
      t('test/infra/api.test.ts', 'HTTP API', 'the JWT authorizer takes its issuer and audience from context'),
    ],
  },
  {
    id: 'SC-8',
    title: 'Transmission Confidentiality and Integrity',
    status: 'met',
    how: 'The archive bucket, its log bucket and the dead-letter queue refuse requests without TLS; the functions may only open HTTPS connections out.',
    feature: 'aws:SecureTransport deny statements; the function security group.',
    tests: [
      t(ARCHIVE, 'the audit archive bucket', 'refuses requests without TLS, blocks public access, logs its requests to the access log bucket, and is kept'),
      t('test/infra/controllers.test.ts', 'dead letters', 'the queue is KMS-encrypted and refuses plain HTTP'),
      t('test/infra/controllers.test.ts', 'functions', "the functions' security group allows no inbound traffic and only HTTPS out"),
    ],
  },
  {
    id: 'SC-12',
    title: 'Cryptographic Key Establishment and Management',
    status: 'partly met',
    how: 'Keys are made and held by KMS: customer-managed keys for the tables, logs, queue and archive (rotated yearly), and the signing key, whose policy leaves the account administration but not use.',
    feature: 'KMS keys in the stack; the AuditArchive signing key policy.',
    tests: [
      t(ARCHIVE, 'the audit archive bucket', 'is encrypted with its own KMS key, with rotation, not the tables key'),
      t(ARCHIVE, 'the audit signing key', 'is an ECC P-256 signing key, kept when the stack is deleted'),
    ],
    gap: 'KMS does not rotate asymmetric keys, so the signing key is not rotated; replacing it is a manual step that this repository does not yet describe or test.',
  },
  {
    id: 'SC-13',
    title: 'Cryptographic Protection',
    status: 'partly met',
    how: 'In GovCloud every SDK client uses FIPS endpoints, and digests are signed with ECDSA P-256 and SHA-256 inside KMS.',
    feature: 'hms:fips (on by default in us-gov-* Regions); the signing key.',
    tests: [
      t('test/infra/govcloud.test.ts', 'FIPS endpoints (hms:fips)', 'a stack for us-gov-west-1 sets AWS_USE_FIPS_ENDPOINT=true on every function'),
      t(
        'test/unit/adapters/fips-endpoints.test.ts',
        'AWS_USE_FIPS_ENDPOINT, as the stack sets it in GovCloud',
        'moves the SDK clients to FIPS endpoints where the partition has separate ones',
      ),
      t(
        'test/unit/adapters/s3-archive-store.test.ts',
        's3Client in AWS',
        'follows AWS_USE_FIPS_ENDPOINT, as the stack sets it in GovCloud, to the s3-fips host',
      ),
      t(SIGNERS, 'KmsAuditSigner requests', 'asks KMS Sign for ECDSA_SHA_256 over the RAW message with the configured key'),
    ],
    gap: "Record hash chains are computed with Node.js's own SHA-256 in the function, which does not run in a FIPS-validated mode; only the signatures come from KMS's validated modules.",
  },
  {
    id: 'SC-28',
    title: 'Protection of Information at Rest',
    status: 'met',
    how: 'The tables, log groups, dead-letter queue and audit archive are encrypted with customer-managed KMS keys.',
    feature: 'KMS keys in the stack (StateTables, LogStorage, DeadLetters, AuditArchive).',
    tests: [
      t(ARCHIVE, 'the audit archive bucket', 'is encrypted with its own KMS key, with rotation, not the tables key'),
      t('test/infra/api.test.ts', 'HTTP API', 'the stage writes JSON access logs, keyed by request id, to a KMS-encrypted log group'),
      t('test/infra/controllers.test.ts', 'dead letters', 'the queue is KMS-encrypted and refuses plain HTTP'),
    ],
  },
];
