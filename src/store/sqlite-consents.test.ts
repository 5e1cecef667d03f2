import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SqliteCatalog } from './sqlite.js';

const T0 = Date.parse('2026-11-25T12:00:00Z');
const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A recording of `kib` KiB repeating a pattern found nowhere else. */
function marked(tag: string, kib: number): { bytes: Uint8Array; marker: Buffer } {
  const marker = Buffer.from(`<consent:${tag}>`);
  const bytes = new Uint8Array(kib * 1024);
  for (let i = 0; i < bytes.length; i++) bytes[i] = marker[i % marker.length]!;
  return { bytes, marker };
}

function filesHolding(dir: string, marker: Buffer): string[] {
  return readdirSync(dir).filter((f) => readFileSync(join(dir, f)).includes(marker));
}

test("a deleted consent's recording leaves every file of the directory when the delete returns, WAL included", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'litetts-consents-'));
  dirs.push(dir);
  const catalog = new SqliteCatalog(join(dir, 'voices.db'));
  // A second connection, as the CLI beside the server, must not keep the bytes alive either.
  const other = new SqliteCatalog(join(dir, 'voices.db'));
  try {
    const doomed = marked('doomed', 900);
    const small = marked('small', 2);
    const kept = marked('kept', 300);
    await catalog.insertConsent({ id: 'cons_doomed', name: 'a', language: 'en', recording: doomed.bytes }, T0);
    await catalog.insertConsent({ id: 'cons_small', name: 'b', language: 'en', recording: small.bytes }, T0);
    await catalog.insertConsent({ id: 'cons_kept', name: 'c', language: 'en', recording: kept.bytes }, T0);
    assert.ok(await other.getConsent('cons_doomed'), 'the other connection sees it');
    assert.ok(filesHolding(dir, doomed.marker).length > 0, 'the recording is on disk before the delete');
    await catalog.deleteConsent('cons_doomed');
    await other.deleteConsent('cons_small');
    assert.deepEqual(filesHolding(dir, doomed.marker), [], 'a deleted 900 KiB recording is in no file');
    assert.deepEqual(filesHolding(dir, small.marker), [], 'a deleted small one, deleted by the other connection, neither');
    assert.ok(filesHolding(dir, kept.marker).length > 0, 'a recording not deleted is still there');
    assert.ok(Buffer.from((await catalog.getConsent('cons_kept'))!.recording).equals(Buffer.from(kept.bytes)), 'and reads back whole');
    assert.deepEqual(await catalog.checkIntegrity(), [], 'sound');
  } finally {
    await other.close();
    await catalog.close();
  }
});
