import type { FastifyInstance } from 'fastify';
import { OUTPUT_SAMPLE_RATE } from '../../audio/pcm.js';
import { PROBE_TEXT } from '../../cloning/probe.js';
import { similarity, type SpeakerFeatures } from '../../cloning/scorer.js';
import type { SpeechService } from '../../speech/speech.js';
import type { VoiceLibrary } from '../../voices/library.js';
import type { ResolvedVoice } from '../../voices/voice.js';
import { errors } from '../errors.js';
import { readMultipart, type FormEntry } from '../multipart.js';
import type { Uploads } from '../uploads/index.js';

/** Candidates one request may compare with its reference: each costs a decode or a rendering and its features. */
export const MAX_CANDIDATES = 8;

interface Deps {
  uploads: Uploads;
  library: VoiceLibrary;
  speech: SpeechService;
  maxUploadBytes: number;
}

interface Candidate {
  /** What the answer calls it: the file's name, or the voice as named. */
  label: string;
  /** How errors name it. */
  says: string;
  entry: FormEntry;
  voice: ResolvedVoice | null;
}

/**
 * POST /v1/audio/similarity: how much each candidate sounds like the reference speaker.
 *
 * All of a request's work runs in one slot of the upload pool's `similarity` route, under
 * its time limit: decoding and the features of each recording on an upload thread, a voice
 * candidate rendered on the synthesis threads (admitted like speech) and its features on the
 * upload thread too. Only the scores' dot products run here.
 */
export function similarityRoutes(app: FastifyInstance, deps: Deps): void {
  app.post(
    '/v1/audio/similarity',
    {
      schema: {
        summary:
          `Speaker similarity: multipart "reference" (audio file) and 1-${MAX_CANDIDATES} "candidate" parts, each an audio file or a voice name ` +
          '(rendered on a fixed English probe text) → {"scores": [{"candidate", "score": 0..1}]} in the order given; 0.5 is the scorer\'s equal-error point',
        tags: ['voices'],
        consumes: ['multipart/form-data'],
      },
    },
    async (request, reply) =>
      readMultipart(
        request,
        reply,
        {
          dir: deps.uploads.dir,
          fileField: 'reference',
          maxFileBytes: deps.maxUploadBytes,
          // One more candidate than allowed is read, so that the answer can say how many were sent.
          moreFiles: { fields: ['candidate'], maxFiles: MAX_CANDIDATES + 2 },
          maxFields: MAX_CANDIDATES + 8,
        },
        async (form) => {
          const references = form.entries.filter((e) => e.field === 'reference');
          const reference = references[0];
          if (!reference) throw errors.missingParam('reference');
          if (!reference.file) throw errors.invalidParam('reference', "'reference' must be an audio file, not a text field");
          if (references.length > 1) throw errors.tooManyFiles('reference', 'reference');
          const entries = form.entries.filter((e) => e.field === 'candidate');
          if (entries.length === 0) throw errors.missingParam('candidate');
          if (entries.length > MAX_CANDIDATES) throw errors.tooManyCandidates(entries.length, MAX_CANDIDATES);
          // Names resolve before any audio is decoded: a misspelt voice is a 404 at once.
          const candidates: Candidate[] = [];
          for (const [i, entry] of entries.entries()) {
            if (entry.file) {
              candidates.push({ label: entry.file.fileName, says: `candidate ${i + 1} (${JSON.stringify(entry.file.fileName)})`, entry, voice: null });
              continue;
            }
            const name = entry.value.trim();
            if (name.length === 0) throw errors.invalidParam('candidate', `candidate ${i + 1} is empty: send an audio file or a voice name`);
            candidates.push({ label: name, says: `candidate ${i + 1} (voice ${JSON.stringify(name)})`, entry, voice: await deps.library.resolve(name, 'candidate') });
          }
          const referenceFile = reference.file;
          return deps.uploads.pool.within('similarity', 'reference', form.signal, async (signal) => {
            const ref = await deps.uploads.speakerFeaturesOf(referenceFile, 'reference', `The reference (${JSON.stringify(referenceFile.fileName)})`, signal);
            // A voice named twice is rendered once.
            const rendered = new Map<string, SpeakerFeatures>();
            const scores: { candidate: string; score: number }[] = [];
            for (const c of candidates) {
              let features: SpeakerFeatures;
              if (c.entry.file) {
                features = await deps.uploads.speakerFeaturesOf(c.entry.file, 'candidate', capitalised(c.says), signal);
              } else {
                const voice = c.voice!;
                const known = rendered.get(voice.hash);
                if (known) features = known;
                else {
                  const pcm = await deps.speech.renderPcm(voice, PROBE_TEXT, signal);
                  features = await deps.uploads.speakerFeaturesOfPcm(pcm, OUTPUT_SAMPLE_RATE, 'candidate', `${capitalised(c.says)}, rendered on the probe text,`, signal);
                  rendered.set(voice.hash, features);
                }
              }
              scores.push({ candidate: c.label, score: similarity(ref, features) });
            }
            return { scores };
          });
        },
      ),
  );
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
