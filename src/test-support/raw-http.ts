import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  /** Header names lower-cased; repeated headers joined with ', '. */
  headers: Record<string, string>;
  /** The body as UTF-8 text, and as bytes. */
  body: string;
  bytes: Buffer;
  /** False when the connection ended inside the body (a cut stream). */
  complete: boolean;
}

/**
 * Sends bytes exactly as given over a fresh TCP connection and reads every response the server
 * writes until it closes the connection. For what fetch() will not send: duplicate or malformed
 * headers, lying Content-Lengths, pipelined requests.
 */
export function rawExchange(url: string, request: string | Buffer, timeoutMs = 10_000): Promise<RawResponse[]> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no end of response within ${timeoutMs} ms; got ${Buffer.concat(chunks).toString('latin1').slice(0, 300)}`));
    }, timeoutMs);
    // No half-close: Node aborts a request whose client ends its side, so the server closes
    // instead (ask for `Connection: close`, or send something it refuses).
    socket.on('connect', () => socket.write(request));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      try {
        resolve(parseResponses(Buffer.concat(chunks)));
      } catch (error) {
        reject(error as Error);
      }
    });
  });
}

/** One raw request; the first response, which must exist. */
export async function rawRequest(url: string, request: string | Buffer, timeoutMs?: number): Promise<RawResponse> {
  const [first] = await rawExchange(url, request, timeoutMs);
  if (!first) throw new Error('the server closed the connection without answering');
  return first;
}

/** Splits what a server wrote on one connection into its responses (chunked or sized bodies). */
export function parseResponses(data: Buffer): RawResponse[] {
  const responses: RawResponse[] = [];
  let offset = 0;
  while (offset < data.length) {
    const end = data.indexOf('\r\n\r\n', offset);
    if (end < 0) throw new Error(`truncated response head: ${data.subarray(offset).toString('latin1').slice(0, 200)}`);
    const [statusLine = '', ...lines] = data.subarray(offset, end).toString('latin1').split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? NaN);
    if (!Number.isInteger(status)) throw new Error(`not an HTTP status line: ${statusLine}`);
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    offset = end + 4;
    const pieces: Buffer[] = [];
    let complete = false;
    if (headers['transfer-encoding']?.includes('chunked')) {
      while (offset < data.length) {
        const lineEnd = data.indexOf('\r\n', offset);
        if (lineEnd < 0) break;
        const size = parseInt(data.subarray(offset, lineEnd).toString('latin1'), 16);
        if (!Number.isInteger(size) || lineEnd + 2 + size + 2 > data.length) break;
        offset = lineEnd + 2;
        if (size === 0) {
          offset += 2;
          complete = true;
          break;
        }
        pieces.push(data.subarray(offset, offset + size));
        offset += size + 2;
      }
      if (!complete) offset = data.length;
    } else {
      const length = headers['content-length'] === undefined ? data.length - offset : Number(headers['content-length']);
      pieces.push(data.subarray(offset, offset + length));
      complete = offset + length <= data.length;
      offset = Math.min(data.length, offset + length);
    }
    const bytes = Buffer.concat(pieces);
    responses.push({ status, headers, body: bytes.toString('utf8'), bytes, complete });
  }
  return responses;
}
