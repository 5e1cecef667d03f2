import { parentPort } from 'node:worker_threads';
import type { AudioEncoder } from './encoder.js';
import { createEncoder, inProcessEncoders } from './index.js';
import type { EncoderReply, EncoderRequest } from './threads.js';

/**
 * Encoder-thread entry: holds the encoders of the streams bound to this thread
 * and runs each stream's calls strictly in order (an encoder is stateful).
 * Different streams interleave freely between calls.
 */
const port = parentPort!;
const encoders = new Map<number, Promise<AudioEncoder>>();
/** The last call queued per stream; the next one starts when it settles. */
const queues = new Map<number, Promise<unknown>>();

function reply(message: EncoderReply): void {
  if ('bytes' in message) {
    // Transfer when the bytes own their buffer; a view into a shared or pooled buffer is copied first.
    const { bytes } = message;
    const owned = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
    port.postMessage({ call: message.call, bytes: owned }, [owned.buffer as ArrayBuffer]);
  } else {
    port.postMessage(message);
  }
}

function encoder(stream: number): Promise<AudioEncoder> {
  const found = encoders.get(stream);
  return found ?? Promise.reject(new Error(`no encoder stream ${stream} on this thread`));
}

async function run(request: EncoderRequest): Promise<Uint8Array> {
  switch (request.op) {
    case 'open':
      encoders.set(request.stream, createEncoder(request.format, request.options));
      await encoders.get(request.stream);
      return new Uint8Array(0);
    case 'write':
      return (await encoder(request.stream)).write(request.pcm);
    case 'end':
      try {
        return await (await encoder(request.stream)).end();
      } finally {
        encoders.delete(request.stream);
      }
    case 'close':
      (await encoder(request.stream).catch(() => null))?.close();
      encoders.delete(request.stream);
      return new Uint8Array(0);
    case 'warm':
      await inProcessEncoders.warmUp(request.formats);
      return new Uint8Array(0);
  }
}

port.on('message', (request: EncoderRequest) => {
  const stream = 'stream' in request ? request.stream : -1;
  const previous = queues.get(stream) ?? Promise.resolve();
  const done = previous.then(() => run(request)).then(
    (bytes) => reply({ call: request.call, bytes }),
    (error: unknown) => reply({ call: request.call, error: error instanceof Error ? error.message : String(error) }),
  );
  queues.set(stream, done);
  // Forget the queue once it is drained, so finished streams leave nothing behind.
  void done.then(() => {
    if (queues.get(stream) === done) queues.delete(stream);
  });
});
