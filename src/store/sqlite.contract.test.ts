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

catalogContract(
  'SqliteCatalog',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'litetts-contract-'));
    dirs.push(dir);
    return Promise.resolve(open(join(dir, 'voices.db')));
  },
  {
    reopen: (catalog) => {
      const path = paths.get(catalog);
      if (path === undefined) throw new Error('reopen: not a catalog this file opened');
      return Promise.resolve(open(path));
    },
  },
);

consentsContract(
  'SqliteCatalog',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'litetts-contract-'));
    dirs.push(dir);
    return Promise.resolve(open(join(dir, 'voices.db')));
  },
  {
    reopen: (store) => {
      const path = paths.get(store);
      if (path === undefined) throw new Error('reopen: not a catalog this file opened');
      return Promise.resolve(open(path));
    },
  },
);

jobsContract(
  'SqliteCatalog',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'litetts-jobs-contract-'));
    dirs.push(dir);
    return Promise.resolve(open(join(dir, 'voices.db')) as SqliteCatalog);
  },
  (store) => {
    const path = paths.get(store);
    if (path === undefined) throw new Error('reopen: not a catalog this file opened');
    return Promise.resolve(open(path) as SqliteCatalog);
  },
);

pronunciationsContract(
  'SqliteCatalog',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'litetts-lexicon-contract-'));
    dirs.push(dir);
    return Promise.resolve(open(join(dir, 'voices.db')));
  },
  {
    reopen: (store) => {
      const path = paths.get(store);
      if (path === undefined) throw new Error('reopen: not a catalog this file opened');
      return Promise.resolve(open(path));
    },
  },
);
