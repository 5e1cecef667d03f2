/**
 * Which frames carry speech, for the speaker features: statistics over pauses and breaths would
 * describe the room, not the voice. Deliberately stricter than the reference analysis's voice
 * activity (analysis.ts), which must count every bit of speech; here a frame only has to be
 * clearly speech, and losing quiet fricatives costs nothing.
 *
 * On frame energies in dB (of the mean power per sample, 0 dB = full scale): the noise floor is
 * the 10th percentile and the loud level the 99th; a frame is speech when it is above −60 dBFS
 * (digital silence and hiss of a quiet recording) and above all of: noise + 6 dB, loud − 35 dB,
 * and 35 % of the way from noise to loud. Runs shorter than 3 frames (30 ms, clicks) are dropped.
 * A recording without pauses (loud − noise < 6 dB: a steady vowel or tone) has no noise floor to
 * tell speech from: every frame above the gate and within 6 dB of the loud level counts.
 */

export const VAD_PARAMS = Object.freeze({
  gateDb: -60,
  noisePercentile: 10,
  loudPercentile: 99,
  aboveNoiseDb: 6,
  belowLoudDb: 35,
  share: 0.35,
  minRun: 3,
});

const P = VAD_PARAMS;

/** 1 for speech frames. `powerDb[t]`: mean power per sample of frame t, in dB re full scale. */
export function speechFrames(powerDb: ArrayLike<number>): Uint8Array {
  const n = powerDb.length;
  const speech = new Uint8Array(n);
  if (n === 0) return speech;
  const sorted = Float64Array.from(powerDb).sort();
  const at = (p: number) => sorted[Math.min(n - 1, Math.floor((p / 100) * (n - 1)))]!;
  const noise = at(P.noisePercentile);
  const loud = at(P.loudPercentile);
  const flat = loud - noise < P.aboveNoiseDb;
  const threshold = flat
    ? Math.max(P.gateDb, loud - P.aboveNoiseDb)
    : Math.max(P.gateDb, noise + P.aboveNoiseDb, loud - P.belowLoudDb, noise + P.share * (loud - noise));
  for (let t = 0; t < n; t++) speech[t] = powerDb[t]! > threshold ? 1 : 0;
  for (let t = 0; t < n; ) {
    if (!speech[t]) {
      t++;
      continue;
    }
    let end = t;
    while (end < n && speech[end]) end++;
    if (end - t < P.minRun) speech.fill(0, t, end);
    t = end;
  }
  return speech;
}
