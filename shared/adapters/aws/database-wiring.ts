import type { Database } from '#ports/database.ts';
import { PostgresDatabase } from './postgres-database.ts';

/**
 * PostgreSQL as the functions in AWS reach it: TLS with the server's certificate verified.
 * RDS certificates chain to the CA bundle Lambda ships at /var/runtime/ca-cert.pem, which
 * Node.js trusts because the stack sets NODE_EXTRA_CA_CERTS on every function needing 'database'.
 */
export function awsDatabase(): Database {
  return new PostgresDatabase({ ssl: { rejectUnauthorized: true } });
}
