/**
 * Praat (Boersma & Weenink) as an independent pitch tracker for tests: a measurement that shares
 * no code with the project's own (analysis.ts), so a fit cannot pass by fooling the measure it was
 * fitted with. Debian's `praat` package; tests skip when it is absent.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { floatToInt16 } from '../audio/pcm.js';
import { wavFile } from './wav.js';

/** Praat's median F0 of a recording: autocorrelation pitch, 60–500 Hz, over its voiced frames. */
const SCRIPT = `form Median pitch
  sentence File
endform
Read from file: file$
To Pitch: 0, 60, 500
f0 = Get quantile: 0, 0, 0.5, "Hertz"
writeInfoLine: fixed$(f0, 3)
`;

let available: boolean | undefined;

/** Whether `praat` runs here. */
export function hasPraat(): boolean {
  if (available === undefined) {
    try {
      execFileSync('praat', ['--version'], { stdio: 'ignore', timeout: 10_000 });
      available = true;
    } catch {
      available = false;
    }
  }
  return available;
}

/** Median F0 in Hz by praat (NaN when praat finds no voiced frame). */
export async function praatMedianF0(samples: Float32Array, sampleRate: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'litetts-praat-'));
  try {
    writeFileSync(join(dir, 'median.praat'), SCRIPT);
    writeFileSync(join(dir, 'audio.wav'), wavFile(floatToInt16(samples), sampleRate));
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile('praat', ['--run', join(dir, 'median.praat'), join(dir, 'audio.wav')], { timeout: 60_000 }, (error, out, err) =>
        error ? reject(new Error(`praat failed: ${err || error.message}`)) : resolve(out),
      );
    });
    const value = Number.parseFloat(stdout.trim());
    return Number.isFinite(value) ? value : Number.NaN;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
