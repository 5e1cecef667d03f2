import type { FastifyInstance } from 'fastify';
import { analyzeReference } from '../../cloning/reference.js';
import { errors } from '../errors.js';
import { readMultipart } from '../multipart.js';

export function analyzeRoutes(app: FastifyInstance, maxUploadBytes: number): void {
  app.post(
    '/v1/voices/analyze',
    { schema: { summary: 'Analyse reference audio (multipart field "audio_file"): duration, speech, clipping, SNR, F0, suitability', tags: ['voices'], consumes: ['multipart/form-data'] } },
    async (request) => {
      const form = await readMultipart(request, 'audio_file', maxUploadBytes);
      if (!form.file) throw errors.missingParam('audio_file');
      return analyzeReference(form.file.bytes);
    },
  );
}
