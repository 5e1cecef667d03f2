import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';

const LOGGING = fileURLToPath(new URL('./logging.ts', import.meta.url));

/** What a process logging one info line and one error (with a cause) prints on stdout, a pipe here. */
function logged(settings: Record<string, unknown>): string {
  const code = `
    import { createLogger } from ${JSON.stringify(LOGGING)};
    const logger = createLogger(${JSON.stringify({ logDir: null, ...settings })});
    logger.info({ event: 'demo.start', url: 'http://127.0.0.1:8356' }, 'LiteTTS listening');
    const error = Object.assign(new Error('cannot look up example.invalid', { cause: new Error('getaddrinfo ENOTFOUND') }), { code: 'dns' });
    logger.warn({ event: 'demo.failed', err: error }, 'Kokoro could not be downloaded');
    logger.flush();
  `;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout;
}

describe('createLogger', () => {
  test('JSON on a pipe, one line per event; an error as its type, message and code, no stack at info', () => {
    const lines = logged({ logLevel: 'info' }).trimEnd().split('\n');
    assert.equal(lines.length, 2, lines.join('\n'));
    const [start, failed] = lines.map((l) => JSON.parse(l) as Record<string, any>);
    assert.equal(start!.msg, 'LiteTTS listening');
    assert.equal(failed!.err.type, 'Error');
    assert.equal(failed!.err.code, 'dns');
    assert.match(failed!.err.message, /cannot look up example\.invalid/);
    assert.equal(failed!.err.stack, undefined, 'no stack trace at info');
  });

  test('at debug the stack is there', () => {
    const failed = JSON.parse(logged({ logLevel: 'debug' }).trimEnd().split('\n')[1]!) as { err: { stack?: string } };
    assert.match(failed.err.stack ?? '', /^Error: cannot look up example\.invalid\n\s+at /, 'the stack');
  });

  test('--log-format pretty: one readable line per event, without JSON braces', () => {
    const lines = logged({ logLevel: 'info', logFormat: 'pretty' }).trimEnd().split('\n');
    assert.equal(lines.length, 2, lines.join('\n'));
    assert.match(lines[0]!, /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: LiteTTS listening /, lines[0]);
    assert.match(lines[1]!, /WARN: Kokoro could not be downloaded .*cannot look up example\.invalid/, lines[1]);
    assert.doesNotMatch(lines[1]!, /\n|    at /, 'no stack');
    assert.throws(() => JSON.parse(lines[0]!), 'not JSON');
  });
});
