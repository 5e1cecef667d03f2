import type { FastifyInstance } from 'fastify';
import { errors } from '../errors.js';
import { readMultipart } from '../multipart.js';
import type { Uploads } from '../uploads/index.js';

export function analyzeRoutes(app: FastifyInstance, uploads: Uploads, maxUploadBytes: number): void {
  app.post(
    '/v1/voices/analyze',
    {
      schema: {
        summary:
          'Analyse reference audio (multipart field "audio_file"): duration, speech, clipping, SNR, F0, suitability; ' +
          'only the first maxReferenceSeconds are decoded (then truncated: true)',
        tags: ['voices'],
        consumes: ['multipart/form-data'],
      },
    },
    async (request, reply) =>
      readMultipart(request, reply, { dir: uploads.dir, fileField: 'audio_file', maxFileBytes: maxUploadBytes }, async (form) => {
        if (!form.file) throw errors.missingParam('audio_file');
        return uploads.analyzeReference(form.file, 'audio_file', form.signal);
      }),
  );
}
