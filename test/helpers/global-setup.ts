import type { TestProject } from 'vitest/node';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { migrateToLatest } from '../../server/db/migrator.js';

/**
 * On real PostgreSQL (TEST_DATABASE_URL), migrate one template database per run; every test file
 * then clones it (CREATE DATABASE … TEMPLATE), which takes milliseconds. On PGlite nothing is shared.
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | void> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    project.provide('testTemplate', '');
    return;
  }
  const template = `veche_tpl_${process.pid}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`drop database if exists ${template}`);
  // UTF-8 character type: Russian lower-casing and stemming depend on it.
  await admin.query(`create database ${template} template template0 encoding 'UTF8' lc_collate 'C.UTF-8' lc_ctype 'C.UTF-8'`);
  const target = new URL(url);
  target.pathname = `/${template}`;
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: target.toString(), max: 1 }) }) });
  await migrateToLatest(db);
  await sql`select 1`.execute(db);
  await db.destroy();
  project.provide('testTemplate', template);
  return async () => {
    await admin.query(`drop database if exists ${template} with (force)`);
    await admin.end();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    testTemplate: string;
  }
}
