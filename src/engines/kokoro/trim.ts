/**
 * Trims leading and trailing silence from one piece of model output, the way
 * Kokoro's pipelines do (librosa-style: frames more than `topDb` below the
 * loudest frame count as silence), keeping a short margin so words keep their
 * onsets and releases.
 */
export function trimSilence(samples: Float32Array, sampleRate: number, topDb = 60, marginMs = 20): Float32Array {
  const frame = Math.max(1, Math.round(sampleRate / 100)); // 10 ms
  const frames = Math.ceil(samples.length / frame);
  if (frames === 0) return samples;
  const energy = new Float64Array(frames);
  let loudest = 0;
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    const end = Math.min(samples.length, (f + 1) * frame);
    for (let i = f * frame; i < end; i++) sum += samples[i]! * samples[i]!;
    energy[f] = sum / (end - f * frame);
    if (energy[f]! > loudest) loudest = energy[f]!;
  }
  if (loudest === 0) return samples.subarray(0, 0);
  const floor = loudest * 10 ** (-topDb / 10);
  let first = 0;
  while (first < frames && energy[first]! < floor) first++;
  let last = frames - 1;
  while (last > first && energy[last]! < floor) last--;
  const margin = Math.round((sampleRate * marginMs) / 1000);
  const start = Math.max(0, first * frame - margin);
  const stop = Math.min(samples.length, (last + 1) * frame + margin);
  return samples.subarray(start, stop);
}
