import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '#adapters/local/embedded-postgres.ts';
import type { DatabaseLogin } from '#ports/database.ts';

export interface PostgresFixture {
  server: EmbeddedPostgres;
  /** The superuser's login. */
  admin: DatabaseLogin;
  /** Runs one statement as `login` on a fresh connection and returns its rows. */
  query<T extends pg.QueryResultRow = Record<string, unknown>>(login: DatabaseLogin, text: string, values?: unknown[]): Promise<T[]>;
  /** A connection the test ends itself (e.g. a session for dropRole to terminate). */
  connect(login: DatabaseLogin): Promise<pg.Client>;
}

/** One temporary embedded PostgreSQL per test file, started before and stopped after its tests. */
export function usePostgres(): PostgresFixture {
  const fixture = {
    async connect(login: DatabaseLogin) {
      const client = new pg.Client({ host: login.host, port: login.port, database: login.database, user: login.username, password: login.password });
      client.on('error', () => {});
      await client.connect();
      return client;
    },
    async query(login: DatabaseLogin, text: string, values?: unknown[]) {
      const client = await fixture.connect(login);
      try {
        return (await client.query(text, values)).rows;
      } finally {
        await client.end();
      }
    },
  } as PostgresFixture;
  beforeAll(async () => {
    fixture.server = await startEmbeddedPostgres({ superuserPassword: 'fixture-superuser' });
    fixture.admin = fixture.server.admin;
  });
  afterAll(async () => {
    await fixture.server?.close();
  });
  return fixture;
}
