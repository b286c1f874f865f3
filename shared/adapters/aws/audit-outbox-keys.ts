/**
 * The audit outbox (ports/audit-outbox.ts) lives in the audit table beside the chains, under
 * partition keys `outbox#<shard>`: the only keys the functions may delete (IAM
 * dynamodb:LeadingKeys `outbox#*`, infra/constructs/need-grants.ts). Its items carry no index
 * keys, so no listing or digest sees them; the pending audit is JSON in `pending`, its id in `outboxId`.
 */
export const AUDIT_OUTBOX = { streamPrefix: 'outbox#', shards: 4, pending: 'pending', id: 'outboxId' } as const;
