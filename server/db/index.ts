import fs from 'node:fs';
import path from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { DB } from './types.js';

export type Database = Kysely<DB>;

export interface DatabaseHandle {
  db: Database;
  engine: 'postgres' | 'pglite';
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres://… for a real server; null for embedded PGlite. */
  url: string | null;
  /** PGlite data folder; null keeps PGlite in memory (tests). */
  dataDir: string | null;
  poolMax?: number;
  statementTimeoutMs?: number;
  logger?: Pick<Logger, 'error' | 'warn'>;
}

// int8 (count(*), sums) arrives as a string by default; our counts fit in a JS number.
pg.types.setTypeParser(20, (v) => Number(v));

/** Connection options from the configuration: PostgreSQL when DATABASE_URL is set, else PGlite in DATA_DIR/pglite. */
export function databaseOptions(config: Pick<Config, 'databaseUrl' | 'dataDir' | 'dbPoolMax' | 'dbStatementTimeoutMs'>): DatabaseOptions {
  return {
    url: config.databaseUrl,
    dataDir: config.databaseUrl ? null : path.join(config.dataDir, 'pglite'),
    poolMax: config.dbPoolMax,
    statementTimeoutMs: config.dbStatementTimeoutMs,
  };
}

/** Opens the one database interface the app uses: a pg Pool, or PGlite behind the same Kysely API. */
export async function openDatabase(opts: DatabaseOptions): Promise<DatabaseHandle> {
  if (opts.url) {
    const pool = new pg.Pool({
      connectionString: opts.url,
      max: opts.poolMax ?? 10,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30000,
      statement_timeout: opts.statementTimeoutMs ?? 15000,
      application_name: 'veche',
    });
    // An idle client losing its connection must not crash the process.
    pool.on('error', (err) => opts.logger?.error({ err }, 'idle PostgreSQL client error'));
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    return { db, engine: 'postgres', close: () => db.destroy() };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
  const { PGliteDialect } = await import('kysely-pglite-dialect');
  if (opts.dataDir) fs.mkdirSync(path.dirname(opts.dataDir), { recursive: true });
  // An explicit memory:// (not undefined): PGlite.create ignores its options when the first argument is undefined.
  const pglite = await PGlite.create(opts.dataDir ?? 'memory://', { extensions: { pg_trgm } });
  // PGlite returns int8 as bigint-safe strings unless told otherwise; match pg's parser above.
  const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite) });
  return { db, engine: 'pglite', close: () => db.destroy() };
}

/**
 * Russian lower-casing and stemming need a UTF-8 character type. A server initialised with
 * LC_CTYPE=C silently breaks them, so refuse to start on one.
 */
export async function checkEncoding(db: Database): Promise<void> {
  const { rows } = await sql<{ encoding: string; ctype: string }>`
    select pg_encoding_to_char(encoding) as encoding, datctype as ctype
    from pg_database where datname = current_database()`.execute(db);
  const row = rows[0];
  if (!row) return;
  if (row.encoding !== 'UTF8') {
    throw new Error(`Database encoding is ${row.encoding}; Veche needs UTF8 (create the database from template0 with ENCODING 'UTF8')`);
  }
  if (/^(C|POSIX)$/i.test(row.ctype)) {
    throw new Error(`Database LC_CTYPE is ${row.ctype}; Russian search needs a UTF-8 locale such as C.UTF-8 (create the database with LC_CTYPE 'C.UTF-8' TEMPLATE template0)`);
  }
}
