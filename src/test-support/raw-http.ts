import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  /** Header names lower-cased; repeated headers joined with ', '. */
  headers: Record<string, string>;
  body: string;
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
    socket.on('connect', () => socket.end(request));
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

function parseResponses(data: Buffer): RawResponse[] {
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
    let body: Buffer;
    if (headers['transfer-encoding']?.includes('chunked')) {
      const pieces: Buffer[] = [];
      for (;;) {
        const lineEnd = data.indexOf('\r\n', offset);
        const size = parseInt(data.subarray(offset, lineEnd).toString('latin1'), 16);
        offset = lineEnd + 2;
        if (!(size > 0)) {
          offset += 2;
          break;
        }
        pieces.push(data.subarray(offset, offset + size));
        offset += size + 2;
      }
      body = Buffer.concat(pieces);
    } else {
      const length = headers['content-length'] === undefined ? data.length - offset : Number(headers['content-length']);
      body = data.subarray(offset, offset + length);
      offset += length;
    }
    responses.push({ status, headers, body: body.toString('utf8') });
  }
  return responses;
}
