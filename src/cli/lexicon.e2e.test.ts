import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runLitetts } from '../test-support/cli.js';
import { MISAKI_LEXICON_DIR } from '../test-support/fixtures.js';

describe('litetts models import-lexicon', { skip: MISAKI_LEXICON_DIR === undefined && 'misaki lexicons not on this machine' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'litetts-import-lexicon-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('copies the four verified files beside the model', async () => {
    const result = await runLitetts(['models', 'import-lexicon', MISAKI_LEXICON_DIR!, '--model-dir', dir]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /us_gold\.json, us_silver\.json, gb_gold\.json, gb_silver\.json/);
    for (const name of ['us_gold.json', 'us_silver.json', 'gb_gold.json', 'gb_silver.json']) assert.ok(existsSync(join(dir, 'lexicon', name)), name);
  });

  test('a folder without them is refused with what is wrong', async () => {
    const result = await runLitetts(['models', 'import-lexicon', join(dir, 'nowhere'), '--model-dir', join(dir, 'other')]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /us_gold\.json: missing/);
    assert.equal(existsSync(join(dir, 'other', 'lexicon')), false);
  });
});
