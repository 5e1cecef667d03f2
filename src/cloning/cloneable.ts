import { errors } from '../errors.js';
import type { ReferenceAnalysis } from './reference.js';

/**
 * Refuses reference audio that cannot be cloned from: any suitability issue of severity
 * `error` (less than 3 s of speech, silence, clipping, mostly noise) is a 422
 * `audio_unusable` whose message lists each problem in words and whose body carries the
 * whole analysis, so that a client can show what was measured. Warnings pass.
 */
export function requireCloneable(analysis: ReferenceAnalysis, param = 'audio_file'): ReferenceAnalysis {
  if (analysis.suitability.ok) return analysis;
  const problems = analysis.suitability.issues.filter((i) => i.severity === 'error').map((i) => i.message);
  const message = problems.length > 0 ? `This audio cannot be cloned from. ${problems.join(' ')}` : 'This audio cannot be cloned from.';
  throw errors.audioUnusable(message, param, { analysis });
}
