import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nginxConfig } from './nginx-conf.js';

const site = { listen: '127.0.0.1:8080', replicas: ['127.0.0.1:9001', '127.0.0.1:9002'], prefix: '/tmp/site/', maxUploadMb: 100, readTimeoutSeconds: 300 };

test('the nginx config proxies to every replica, streams, and keeps its files in its prefix', () => {
  const conf = nginxConfig(site);
  for (const r of site.replicas) assert.match(conf, new RegExp(`server ${r} max_fails=\\d+ fail_timeout=\\d+s;`));
  assert.match(conf, /listen 127\.0\.0\.1:8080;/);
  assert.match(conf, /proxy_buffering off;/);
  assert.match(conf, /client_max_body_size 101m;/);
  assert.match(conf, /proxy_read_timeout 300s;/);
  assert.match(conf, /pid \/tmp\/site\/nginx\.pid;/);
  // Every path it writes is under the prefix: no system directory is needed.
  for (const [, path] of conf.matchAll(/(?:_path|pid|_log) (\/\S+?)[; ]/g)) assert.ok(path!.startsWith('/tmp/site/'), path);
  assert.equal((conf.match(/{/g) ?? []).length, (conf.match(/}/g) ?? []).length, 'braces balance');
});

test('values that would change the config\'s meaning are refused', () => {
  assert.throws(() => nginxConfig({ ...site, replicas: [] }), RangeError);
  assert.throws(() => nginxConfig({ ...site, prefix: '/tmp/a; include /etc/passwd' }), RangeError);
  assert.throws(() => nginxConfig({ ...site, replicas: ['127.0.0.1:1 }'] }), RangeError);
});
