import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nginxConfig, type NginxSite } from './nginx-conf.js';
import { startLogged, type Started } from './processes.js';

/** Debian's nginx (`apt-get install nginx`), or the one on the PATH; null when there is none. */
export function findNginx(): string | null {
  if (existsSync('/usr/sbin/nginx')) return '/usr/sbin/nginx';
  try {
    return execFileSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/**
 * nginx in the foreground with a config of its own in `site.prefix`: no system config, no
 * system pid file, nothing outside the prefix. The config is checked (`nginx -t`) first, so a
 * bad one fails here with nginx's own message.
 */
export function startNginx(binary: string, site: NginxSite): Started {
  const conf = join(site.prefix, 'nginx.conf');
  writeFileSync(conf, nginxConfig(site));
  const args = ['-p', site.prefix, '-c', conf, '-e', join(site.prefix, 'nginx-error.log')];
  execFileSync(binary, [...args, '-t', '-q'], { stdio: ['ignore', 'ignore', 'pipe'] });
  return startLogged(binary, [...args, '-g', 'daemon off;'], { logFile: join(site.prefix, 'nginx.out') });
}
