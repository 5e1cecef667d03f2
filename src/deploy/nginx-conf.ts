/**
 * The nginx configuration that puts LiteTTS replicas behind one address: what docs/deploy.md
 * explains line by line, and what scripts/deploy-local.ts runs. Open-source nginx has no active
 * health checks, so a replica that fails is taken out passively (`max_fails`/`fail_timeout`)
 * and requests that can be repeated are retried on the next one.
 */
export interface NginxSite {
  /** Where nginx listens, e.g. `127.0.0.1:8080`. */
  listen: string;
  /** The replicas, `host:port` each. */
  replicas: readonly string[];
  /** The directory nginx runs in: its pid, logs and temporary files go here. */
  prefix: string;
  /** Largest request body (uploads), MiB: the replicas' `maxUploadMb`. */
  maxUploadMb: number;
  /** How long a request may go without a byte from the replica, seconds (long speech, job event streams). */
  readTimeoutSeconds: number;
  /** Worker processes; `auto` is one per core. */
  workers?: number | 'auto';
}

export function nginxConfig(site: NginxSite): string {
  if (site.replicas.length === 0) throw new RangeError('nginxConfig: no replicas');
  for (const value of [site.listen, site.prefix, ...site.replicas]) {
    // Everything here is ours, but a stray quote or brace would still make a config that means something else.
    if (/[\s;{}'"#$]/.test(value)) throw new RangeError(`nginxConfig: '${value}' cannot go into an nginx config`);
  }
  const p = site.prefix.replace(/\/$/, '');
  const servers = site.replicas.map((r) => `    server ${r} max_fails=2 fail_timeout=5s;`).join('\n');
  return `# Generated for LiteTTS: ${site.replicas.length} replica(s) behind ${site.listen}.
worker_processes ${site.workers ?? 'auto'};
pid ${p}/nginx.pid;
error_log ${p}/nginx-error.log warn;

events {
  worker_connections 1024;
}

http {
  access_log ${p}/nginx-access.log;
  client_body_temp_path ${p}/client-body;
  proxy_temp_path ${p}/proxy;
  fastcgi_temp_path ${p}/fastcgi;
  uwsgi_temp_path ${p}/uwsgi;
  scgi_temp_path ${p}/scgi;

  upstream litetts {
    # The replica with the fewest open requests: speech requests differ a lot in length.
    least_conn;
${servers}
    keepalive 32;
  }

  server {
    listen ${site.listen};
    # Uploads (reference audio, voice imports) up to the replicas' own limit; they answer 413 beyond it themselves.
    client_max_body_size ${site.maxUploadMb + 1}m;

    location / {
      proxy_pass http://litetts;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      # Audio streams out as it is made, and job events are a server-sent event stream: pass bytes on at once.
      proxy_buffering off;
      proxy_cache off;
      proxy_read_timeout ${site.readTimeoutSeconds}s;
      proxy_send_timeout ${site.readTimeoutSeconds}s;
      proxy_connect_timeout 2s;
      # A replica that refuses the connection or is gone: the request goes to the next one. POSTs are
      # only retried when they never reached a replica (nginx never repeats a non-idempotent request it sent).
      proxy_next_upstream error timeout http_502;
      proxy_next_upstream_tries 3;
    }
  }
}
`;
}
