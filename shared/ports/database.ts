/** Where a PostgreSQL server listens, and who logs in. */
export interface DatabaseLogin {
  host: string;
  port: number;
  database: string;
  username: string;
  password: string;
}

/**
 * The PostgreSQL calls rotation and short-lived credentials make. Every identifier and literal
 * is quoted by the adapter, never spliced into SQL as given.
 */
export interface Database {
  /** Logs in and runs `SELECT 1`; resolves false when the server refuses the login, throws on other failures. */
  canLogIn(login: DatabaseLogin): Promise<boolean>;
  /** As `admin`, sets `role`'s password (ALTER ROLE ... PASSWORD). */
  setPassword(admin: DatabaseLogin, role: string, password: string): Promise<void>;
  /**
   * As `admin`, creates `role` WITH LOGIN, the password, an optional VALID UNTIL, and membership
   * IN ROLE `memberOf` (so it holds that role's grants). A role that exists already is an error.
   */
  createLoginRole(admin: DatabaseLogin, role: string, password: string, options: { memberOf: string; validUntil?: Date }): Promise<void>;
  /** As `admin`, ends `role`'s sessions and drops it; absent is fine. */
  dropRole(admin: DatabaseLogin, role: string): Promise<void>;
  /** As `admin`, whether `role` exists. */
  roleExists(admin: DatabaseLogin, role: string): Promise<boolean>;
}

export class DatabaseUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DatabaseUnavailableError';
  }
}
