/** A local HTTP file server that misbehaves on request, for testing downloads. */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Deterministic bytes: SHA-256 of seed:counter, concatenated. */
export function bytes(seed: string, length: number): Buffer {
  const blocks: Buffer[] = [];
  for (let i = 0; i * 32 < length; i++) blocks.push(createHash('sha256').update(`${seed}:${i}`).digest());
  return Buffer.concat(blocks).subarray(0, length);
}

/** A copy with one byte changed. */
export function flipMiddleByte(data: Buffer): Buffer {
  const copy = Buffer.from(data);
  const middle = copy.length >> 1;
  copy.writeUInt8(copy.readUInt8(middle) ^ 0xff, middle);
  return copy;
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export type Behaviour =
  | { kind: 'resized'; delta: number; chunked: boolean } // `delta` bytes more (or fewer); no Content-Length when chunked
  | { kind: 'corrupt' } // right size, one byte flipped
  | { kind: 'drop'; after: number; times: number } // close the connection after `after` bytes
  | { kind: 'ignore-range' }
  | { kind: 'redirect'; to: string }
  | { kind: 'status'; status: number }
  | { kind: 'stall'; after?: number } // send `after` bytes (default 1000), then nothing
  | { kind: 'gate'; until: Promise<void> }; // answer normally once `until` resolves

export interface Request {
  path: string;
  range: string | undefined;
}

export class FileServer {
  readonly files = new Map<string, Buffer>();
  readonly behaviours = new Map<string, Behaviour>();
  readonly requests: Request[] = [];
  onRequest: (path: string) => void = () => {};
  url = '';
  private server: Server = createServer((req, res) => this.handle(req, res));

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  reset(): void {
    this.files.clear();
    this.behaviours.clear();
    this.requests.length = 0;
    this.onRequest = () => {};
  }

  /** Serves `length` deterministic bytes at `path`; returns them. */
  add(path: string, length: number): Buffer {
    const data = bytes(path, length);
    this.files.set(path, data);
    return data;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = decodeURIComponent(new URL(req.url ?? '/', this.url).pathname);
    this.requests.push({ path, range: req.headers.range });
    this.onRequest(path);
    this.respond(path, req, res);
  }

  private respond(path: string, req: IncomingMessage, res: ServerResponse): void {
    const behaviour = this.behaviours.get(path);
    if (behaviour?.kind === 'gate') {
      this.behaviours.delete(path);
      return void behaviour.until.then(() => this.respond(path, req, res));
    }
    if (behaviour?.kind === 'status') return void res.writeHead(behaviour.status).end();
    if (behaviour?.kind === 'redirect') return void res.writeHead(302, { location: behaviour.to }).end();
    let data = this.files.get(path);
    if (!data) return void res.writeHead(404).end('not found');
    if (behaviour?.kind === 'resized') {
      data = behaviour.delta < 0 ? data.subarray(0, data.length + behaviour.delta) : Buffer.concat([data, Buffer.alloc(behaviour.delta)]);
      if (behaviour.chunked) {
        res.writeHead(200);
        res.write(data.subarray(0, 1000));
        return void res.end(data.subarray(1000));
      }
    }
    if (behaviour?.kind === 'corrupt') data = flipMiddleByte(data);

    let status = 200;
    const headers: Record<string, string | number> = { 'content-type': 'application/octet-stream', 'accept-ranges': 'bytes' };
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range?.[1] && behaviour?.kind !== 'ignore-range') {
      const start = Number(range[1]);
      if (start >= data.length) {
        return void res.writeHead(416, { 'content-range': `bytes */${data.length}` }).end();
      }
      status = 206;
      headers['content-range'] = `bytes ${start}-${data.length - 1}/${data.length}`;
      data = data.subarray(start);
    }
    headers['content-length'] = data.length;
    res.writeHead(status, headers);

    if (behaviour?.kind === 'drop' && behaviour.times > 0) {
      behaviour.times -= 1;
      // Let the client read what was sent before the connection goes.
      res.write(data.subarray(0, behaviour.after), () => setTimeout(() => res.socket?.destroy(), 50));
      return;
    }
    if (behaviour?.kind === 'stall') return void res.write(data.subarray(0, behaviour.after ?? 1000));
    res.end(data);
  }
}
