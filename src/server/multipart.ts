import type { FastifyRequest } from 'fastify';
import { errors } from './errors.js';

export interface MultipartForm {
  file: { fileName: string; bytes: Uint8Array; mimeType: string } | undefined;
  fields: Record<string, string | undefined>;
}

/**
 * Reads a multipart/form-data request: one file field and any text fields.
 * Anything but multipart is a 415; a file over the limit is a 413.
 */
export async function readMultipart(request: FastifyRequest, fileField: string, maxBytes: number): Promise<MultipartForm> {
  if (!request.isMultipart()) throw errors.unsupportedMediaType(request.headers['content-type'] ?? 'none');
  const form: MultipartForm = { file: undefined, fields: {} };
  for await (const part of request.parts({ limits: { fileSize: maxBytes, files: 1, fields: 32 } })) {
    if (part.type === 'file') {
      if (part.fieldname !== fileField) {
        part.file.resume();
        throw errors.invalidParam(part.fieldname, `Unexpected file field '${part.fieldname}'; send the file as '${fileField}'`);
      }
      const bytes = await part.toBuffer();
      if (part.file.truncated) throw errors.payloadTooLarge(maxBytes);
      form.file = { fileName: part.filename, bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), mimeType: part.mimetype };
    } else {
      form.fields[part.fieldname] = String(part.value);
    }
  }
  return form;
}
