import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import type { VoiceCatalog } from './catalog.js';
import { consentsContract } from './consents-contract.js';
import { catalogContract } from './contract.js';
import { jobsContract } from './jobs-contract.js';
import { pronunciationsContract } from './pronunciations-contract.js';
import { SqliteCatalog } from './sqlite.js';

/** The store each instance was opened on, so the contract can open another over it. */
const paths = new WeakMap<VoiceCatalog, string>();
const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function open(path: string): SqliteCatalog {
  const catalog = new SqliteCatalog(path);
  paths.set(catalog, path);
  return catalog;
}

/** A catalog in a new directory of its own. */
function fresh(prefix: string): Promise<SqliteCatalog> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return Promise.resolve(open(join(dir, 'voices.db')));
}

/** Another catalog over the same file as `store`. */
function reopen(store: VoiceCatalog): Promise<SqliteCatalog> {
  const path = paths.get(store);
  if (path === undefined) throw new Error('reopen: not a catalog this file opened');
  return Promise.resolve(open(path));
}

catalogContract('SqliteCatalog', () => fresh('litetts-contract-'), { reopen });

consentsContract('SqliteCatalog', () => fresh('litetts-contract-'), { reopen });

jobsContract('SqliteCatalog', () => fresh('litetts-jobs-contract-'), reopen);

pronunciationsContract('SqliteCatalog', () => fresh('litetts-lexicon-contract-'), { reopen });
