import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { messageScrubber } from './error-handler.js';

describe('messageScrubber', () => {
  const scrub = messageScrubber(['/srv/litetts/data', '/opt/litetts/', '/tmp', '/']);

  test('server paths, file URLs, node_modules and stack frames are cut', () => {
    const cases: [string, string][] = [
      ["ENOENT: no such file or directory, open '/srv/litetts/data/voices/x.bin'", "ENOENT: no such file or directory, open '<path>'"],
      ['cannot load /opt/litetts/dist/cli.js', 'cannot load <path>'],
      ['temp file /tmp/litetts-decode-1/input failed', 'temp file <path> failed'],
      ['at file:///opt/x/index.js:3:1', 'at <path>'],
      ['in ../../node_modules/busboy/lib/main.js', 'in <path>'],
      ['C:\\Users\\me\\litetts failed', '<path> failed'],
      ['boom\n    at parse (/opt/litetts/dist/x.js:1:2)\n    at run (internal)', 'boom'],
    ];
    for (const [message, expected] of cases) assert.equal(scrub(message), expected, `scrub(${JSON.stringify(message)})`);
  });

  test('request paths and ordinary words are left alone', () => {
    for (const message of ['No route for GET /v1/nothing', "Voice '../../etc/passwd' does not exist", 'No route for GET /tmpfile', 'Cannot import voice file: espeak voice JSON: "base" is required']) {
      assert.equal(scrub(message), message, `unchanged: ${message}`);
    }
  });

  test('a huge echo is cut to 1000 characters, in linear time', () => {
    for (const filler of ['v', '/a', 'node_module', ' \n']) {
      const message = `Voice '${filler.repeat(500_000)}' does not exist`;
      const started = performance.now();
      const result = scrub(message);
      const ms = performance.now() - started;
      assert.ok(result.length <= 1001, `cut to ${result.length} characters`);
      assert.ok(ms < 200, `${JSON.stringify(filler)} × 500000 scrubbed in ${ms.toFixed(0)} ms`);
    }
  });
});
