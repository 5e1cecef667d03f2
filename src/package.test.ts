import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import semver from 'semver';

/**
 * A fresh install prints no warning of the project's making: npm reads the project's .npmrc and
 * package.json on every command (`npm ci`, `npm test`, `npm start`), so a cheap command shows
 * what they would print; the lockfile says which engines every installed package declares.
 */
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { engines: { node: string } };

function npm(args: string[]): { status: number | null; output: string } {
  // Without the npm_config_* of an enclosing `npm test`: what a person's own shell would have.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));
  const run = spawnSync('npm', args, { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe('a quiet install', () => {
  test('npm reads the project’s configuration without a warning', () => {
    for (const args of [['config', 'list'], ['run']]) {
      const { status, output } = npm(args);
      assert.equal(status, 0, `npm ${args.join(' ')}: ${output}`);
      const warnings = output.split('\n').filter((l) => /^npm (warn|WARN)/.test(l));
      assert.deepEqual(warnings, [], `npm ${args.join(' ')} warns`);
    }
  });

  test('every dependency’s install script is decided in package.json (npm 11: allowScripts)', (t) => {
    const { status, output } = npm(['install-scripts', 'ls']);
    if (status !== 0 && /Unknown command|not a valid/i.test(output)) return t.skip('this npm has no install-scripts');
    assert.equal(status, 0, output);
    assert.match(output, /No packages with unreviewed install scripts/, output);
  });

  test('every locked package supports the oldest Node the project declares (no EBADENGINE)', (t) => {
    const lockPath = `${ROOT}package-lock.json`;
    if (!existsSync(lockPath)) return t.skip('no lockfile');
    const oldest = semver.minVersion(pkg.engines.node)!.version;
    const lock = JSON.parse(readFileSync(lockPath, 'utf8')) as { packages: Record<string, { engines?: { node?: string } | string[]; version?: string; dev?: boolean; optional?: boolean }> };
    const refused = Object.entries(lock.packages)
      .filter(([path, p]) => path !== '' && p.engines && !Array.isArray(p.engines) && p.engines.node && !semver.satisfies(oldest, p.engines.node))
      .map(([path, p]) => `${path.replace(/^.*node_modules\//, '')}@${p.version} wants node ${(p.engines as { node: string }).node}`);
    assert.deepEqual(refused, [], `Node ${oldest} (package.json: ${pkg.engines.node})`);
  });
});
