import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { LiteTtsError } from '../errors.js';
import { ApiError, errors } from './errors.js';
import { remove, type UploadDir } from './uploads/dir.js';

/** The one file of a multipart request, on disk in a directory of its own. */
export interface Upload {
  /** The file's bytes, exactly as sent. */
  path: string;
  /** The request's private directory (`path` is in it): room for files derived from the upload. */
  dir: string;
  fileName: string;
  mimeType: string;
  size: number;
}

export interface MultipartForm {
  file: Upload | undefined;
  fields: Record<string, string | undefined>;
  /** Aborts when the client goes away before the answer is sent: work for it can stop. */
  signal: AbortSignal;
}

export interface MultipartOptions {
  dir: UploadDir;
  /** The name of the one file field the route takes. */
  fileField: string;
  maxFileBytes: number;
  /** Text fields allowed beside the file (default 16). */
  maxFields?: number;
  /** Longest text field, in bytes (default 16 KiB). */
  maxFieldBytes?: number;
}

const DEFAULT_MAX_FIELDS = 16;
const DEFAULT_MAX_FIELD_BYTES = 16 * 1024;
/** Room for part headers and boundaries when a request's declared length is checked against the limits. */
const FRAMING_BYTES = 64 * 1024;

/**
 * Reads a multipart/form-data request (one file and a few text fields) and runs
 * `handle` on it. The file is streamed to a new private directory, never held
 * in memory; the size limit is enforced while it streams (413 as soon as it is
 * crossed). The directory is removed when `handle` settles, or when reading
 * fails, whatever the reason, so nothing outlives the request.
 *
 * Refused: not multipart (415, naming the type); a file over the limit (413); a
 * second file, or a file under another field name (400, naming that field); too
 * many or too long text fields (400); a malformed body (400).
 */
export async function readMultipart<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  options: MultipartOptions,
  handle: (form: MultipartForm) => Promise<T>,
): Promise<T> {
  if (!request.isMultipart()) throw errors.unsupportedMediaType(request.headers['content-type'] ?? 'none');
  const maxFields = options.maxFields ?? DEFAULT_MAX_FIELDS;
  const maxFieldBytes = options.maxFieldBytes ?? DEFAULT_MAX_FIELD_BYTES;
  // A declared length beyond anything acceptable is refused before a byte is read.
  const declared = Number(request.headers['content-length']);
  if (declared > options.maxFileBytes + maxFields * maxFieldBytes + FRAMING_BYTES) throw errors.payloadTooLarge(options.maxFileBytes);

  const client = new AbortController();
  const onClose = () => {
    if (!reply.raw.writableFinished) client.abort(errors.requestAborted());
  };
  reply.raw.once('close', onClose);
  const dir = await options.dir.scratch();
  try {
    const form = await readParts(request, dir, options, maxFields, maxFieldBytes, client.signal);
    return await handle(form);
  } finally {
    reply.raw.off('close', onClose);
    await remove(dir);
  }
}

async function readParts(
  request: FastifyRequest,
  dir: string,
  options: MultipartOptions,
  maxFields: number,
  maxFieldBytes: number,
  signal: AbortSignal,
): Promise<MultipartForm> {
  const form: MultipartForm = { file: undefined, fields: {}, signal };
  const limits = {
    // One more file than allowed, so that a second one is seen and named; one more byte than allowed, so that our own count trips first.
    files: 2,
    fileSize: options.maxFileBytes + 1,
    fields: maxFields,
    fieldSize: maxFieldBytes,
    parts: maxFields + 2,
  };
  try {
    for await (const part of request.parts({ limits })) {
      if (part.type === 'file') {
        if (form.file) throw errors.tooManyFiles(part.fieldname, options.fileField);
        if (part.fieldname !== options.fileField) {
          throw errors.invalidParam(part.fieldname, `Unexpected file field '${part.fieldname}'; send the file as '${options.fileField}'`, 'unexpected_file');
        }
        const path = join(dir, 'upload');
        const size = await saveFile(part.file, path, options.maxFileBytes);
        form.file = { path, dir, fileName: part.filename, mimeType: part.mimetype, size };
      } else {
        if (part.fieldnameTruncated) throw errors.invalidParam('body', 'A multipart field name is too long', 'invalid_multipart');
        if (part.valueTruncated) {
          throw errors.invalidParam(part.fieldname, `'${part.fieldname}' is longer than ${maxFieldBytes} bytes`, 'field_too_long');
        }
        if (typeof part.value !== 'string') throw errors.invalidParam(part.fieldname, `'${part.fieldname}' must be plain text`);
        form.fields[part.fieldname] = part.value;
      }
    }
  } catch (error) {
    // The rest of the body is read and dropped, so that the answer reaches a client still sending.
    request.raw.unpipe();
    request.raw.resume();
    throw signal.aborted ? errors.requestAborted() : multipartError(error, options, maxFields);
  }
  return form;
}

/** Streams one file part to `path`, refusing it (and stopping) as soon as it passes `maxBytes`. */
async function saveFile(file: NodeJS.ReadableStream, path: string, maxBytes: number): Promise<number> {
  let size = 0;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      done(size > maxBytes ? errors.payloadTooLarge(maxBytes) : null, chunk);
    },
  });
  await pipeline(file, count, createWriteStream(path, { flags: 'wx', mode: 0o600 }));
  return size;
}

/** Our own refusals pass through; the multipart parser's (limits, malformed bodies) become the contract's 4xx; disk errors stay server errors. */
function multipartError(error: unknown, options: MultipartOptions, maxFields: number): unknown {
  if (error instanceof ApiError || error instanceof LiteTtsError) return error;
  const code = (error as { code?: unknown }).code;
  switch (code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return errors.payloadTooLarge(options.maxFileBytes);
    case 'FST_FIELDS_LIMIT':
    case 'FST_PARTS_LIMIT':
      return errors.invalidParam('body', `At most ${maxFields} text fields may be sent beside '${options.fileField}'`, 'too_many_fields');
    case 'FST_FILES_LIMIT':
      return errors.tooManyFiles(options.fileField, options.fileField);
    case 'FST_MP_PREMATURE_CLOSE':
      return errors.requestAborted();
    default:
      break;
  }
  // File-system errors (a full disk) are ours to log, not the client's to fix.
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return errors.invalidParam('body', `Malformed multipart body: ${message}`, 'invalid_multipart');
}
