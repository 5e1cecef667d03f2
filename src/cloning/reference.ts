import { decodeToPcm } from '../audio/ffmpeg.js';
import { int16ToFloat } from '../audio/pcm.js';
import { LiteTtsError } from '../errors.js';
import { analyzeAudio, type AudioAnalysis } from './analysis.js';

export interface ReferenceAnalysis extends AudioAnalysis {
  codec: string;
  channels: number;
}

/** Decodes uploaded reference audio (wav, mp3, flac, ogg/opus, webm, m4a, …) and analyses it. */
export async function analyzeReference(bytes: Uint8Array): Promise<ReferenceAnalysis> {
  if (bytes.length === 0) throw new LiteTtsError('invalid', 'empty_audio', "'audio_file' is empty", 'audio_file');
  let decoded;
  try {
    decoded = await decodeToPcm(bytes);
  } catch (error) {
    const detail = (error as Error).message.split('\n').find((l) => /invalid|unknown|not supported|could not/i.test(l)) ?? 'not audio';
    throw new LiteTtsError('unsupported', 'unsupported_audio', `Cannot decode 'audio_file' as audio: ${detail.trim()}`, 'audio_file');
  }
  const analysis = analyzeAudio(int16ToFloat(decoded.pcm), decoded.sampleRate);
  return { ...analysis, codec: decoded.codec, channels: decoded.channels };
}
