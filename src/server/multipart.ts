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

/** One part of the form, in the order sent: a file (on disk) or a text field. */
export type FormEntry = { field: string; file: Upload; value?: undefined } | { field: string; value: string; file?: undefined };

export interface MultipartForm {
  /** The first file (the only one, for a route that takes one). */
  file: Upload | undefined;
  /** Every file, in the order sent. */
  files: Upload[];
  /** The last value of each text field. */
  fields: Record<string, string | undefined>;
  /** Files and text fields in the order sent, repeated fields included (a route whose order matters reads this). */
  entries: FormEntry[];
  /** Aborts when the client goes away before the answer is sent: work for it can stop. */
  signal: AbortSignal;
}

export interface MultipartOptions {
  dir: UploadDir;
  /** The name of the one file field the route takes (with `moreFiles`: its main file field). */
  fileField: string;
  /** Limit on the file's size; with `moreFiles`, on all files' sizes together. */
  maxFileBytes: number;
  /**
   * For the one route that takes several files (similarity): file fields allowed beside
   * `fileField`, and the most files in all. Without it, a second file is refused.
   */
  moreFiles?: { fields: readonly string[]; maxFiles: number };
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
 * Reads a multipart/form-data request (one file and a few text fields; several
 * files where the route asks for `moreFiles`) and runs `handle` on it. Each file is streamed to a new private directory, never held
 * in memory; the size limit is enforced while it streams (413 as soon as it is
 * crossed). The directory is removed when `handle` settles, or when reading
 * fails, whatever the reason, so nothing outlives the request.
 *
 * Refused: not multipart (415, naming the type); a file over the limit, or files
 * over it together (413); a second file (or one more than `moreFiles` allows), or a
 * file under another field name (400, naming that field); too
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
  const form: MultipartForm = { file: undefined, files: [], fields: {}, entries: [], signal };
  const maxFiles = options.moreFiles?.maxFiles ?? 1;
  const fileFields = [options.fileField, ...(options.moreFiles?.fields ?? [])];
  const limits = {
    // One more file than allowed, so that an extra one is seen and named; one more byte than allowed, so that our own count trips first.
    files: maxFiles + 1,
    fileSize: options.maxFileBytes + 1,
    fields: maxFields,
    fieldSize: maxFieldBytes,
    parts: maxFields + maxFiles + 1,
  };
  // Bytes still allowed: the limit holds for all files together, so many files cannot add up to more than one may be.
  let budget = options.maxFileBytes;
  try {
    for await (const part of request.parts({ limits })) {
      if (part.type === 'file') {
        if (form.files.length >= maxFiles) {
          throw maxFiles === 1 ? errors.tooManyFiles(part.fieldname, options.fileField) : errors.tooManyUploads(part.fieldname, maxFiles);
        }
        if (!fileFields.includes(part.fieldname)) {
          throw errors.invalidParam(part.fieldname, `Unexpected file field '${part.fieldname}'; send the file as '${options.fileField}'`, 'unexpected_file');
        }
        // The first file keeps the name it always had; the others are numbered in the order sent.
        const path = join(dir, form.files.length === 0 ? 'upload' : `upload-${form.files.length + 1}`);
        const size = await saveFile(part.file, path, budget, options.maxFileBytes);
        budget -= size;
        const upload: Upload = { path, dir, fileName: part.filename, mimeType: part.mimetype, size };
        form.file ??= upload;
        form.files.push(upload);
        form.entries.push({ field: part.fieldname, file: upload });
      } else {
        if (part.fieldnameTruncated) throw errors.invalidParam('body', 'A multipart field name is too long', 'invalid_multipart');
        if (part.valueTruncated) {
          throw errors.invalidParam(part.fieldname, `'${part.fieldname}' is longer than ${maxFieldBytes} bytes`, 'field_too_long');
        }
        if (typeof part.value !== 'string') throw errors.invalidParam(part.fieldname, `'${part.fieldname}' must be plain text`);
        form.fields[part.fieldname] = part.value;
        form.entries.push({ field: part.fieldname, value: part.value });
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

/** Streams one file part to `path`, refusing it (and stopping) as soon as it passes `maxBytes`; `limit` is the one the error names. */
async function saveFile(file: NodeJS.ReadableStream, path: string, maxBytes: number, limit: number): Promise<number> {
  let size = 0;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      done(size > maxBytes ? errors.payloadTooLarge(limit) : null, chunk);
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
      return options.moreFiles ? errors.tooManyUploads(options.fileField, options.moreFiles.maxFiles) : errors.tooManyFiles(options.fileField, options.fileField);
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
