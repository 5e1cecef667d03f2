import { after } from 'node:test';
import type { VoiceCatalog } from './catalog.js';
import { consentsContract } from './consents-contract.js';
import { catalogContract } from './contract.js';
import { jobsContract } from './jobs-contract.js';
import { PostgresCatalog } from './postgres.js';
import { pronunciationsContract } from './pronunciations-contract.js';
import { stopTestServer, testDatabase, testServerKind, type TestDatabase } from '../test-support/postgres.js';

/**
 * The contract suites the SQLite store runs (sqlite.contract.test.ts), against PostgresCatalog
 * on a real PostgreSQL (LITETTS_TEST_DATABASE_URL, else the embedded server): a database per
 * test, and `reopen` another instance (a pool of its own, as another replica) on the same one.
 */
const urls = new WeakMap<VoiceCatalog, string>();
const databases: TestDatabase[] = [];
after(async () => {
  for (const db of databases) await db.drop();
  await stopTestServer();
});

async function open(url: string): Promise<PostgresCatalog> {
  const catalog = await PostgresCatalog.open(url, { poolSize: 4 });
  urls.set(catalog, url);
  return catalog;
}

async function fresh(): Promise<PostgresCatalog> {
  const db = await testDatabase();
  databases.push(db);
  return open(db.url);
}

function reopen(store: VoiceCatalog): Promise<PostgresCatalog> {
  const url = urls.get(store);
  if (url === undefined) throw new Error('reopen: not a catalog this file opened');
  return open(url);
}

const name = `PostgresCatalog (${testServerKind()})`;

catalogContract(name, fresh, { reopen });

consentsContract(name, fresh, { reopen });

jobsContract(name, fresh, reopen);

pronunciationsContract(name, fresh, { reopen });
