import { cpus } from 'node:os';
import { printResults, type BenchResult } from './report.js';
import { benchScorer } from './cloning-eer.js';
import { benchCloning } from './cloning.js';
import { benchKokoroTiny } from './kokoro.js';
import { benchLibrary } from './library.js';
import { benchLoad } from './load.js';
import { benchScaleout } from './scaleout.js';
import { benchSpeech } from './speech.js';
import { benchText } from './text.js';

/** `npm run bench [-- name…]`: every benchmark prints ratios measured in this one run. */
const suites: Record<string, () => Promise<BenchResult[]>> = {
  speech: benchSpeech,
  library: benchLibrary,
  // Mixed load against one server: `-- load --seconds=60 --clients=8`.
  load: benchLoad,
  // The tiny-model part only; `npm run bench:kokoro -- --model-dir DIR` adds real weights.
  kokoro: async () => (await benchKokoroTiny()).results,
  scorer: benchScorer,
  // Clones through the API: fast espeak clone, speech beside thorough jobs, the scorer's cost and EER.
  cloning: benchCloning,
  // Normaliser + Kokoro English G2P: MB/s, share of a sentence, lexicon heap and load time.
  text: benchText,
  // PostgreSQL against SQLite for voice writes and lists; speech through nginx, 1 replica against 2.
  scaleout: benchScaleout,
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = wanted.length > 0 ? wanted : Object.keys(suites);
process.stdout.write(`LiteTTS benchmarks — node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}\n`);
let missed = 0;
for (const name of names) {
  const suite = suites[name];
  if (!suite) throw new Error(`unknown benchmark '${name}'; have ${Object.keys(suites).join(', ')}`);
  const results = await suite();
  printResults(name, results);
  missed += results.filter((r) => !r.pass).length;
}
process.stdout.write(missed === 0 ? '\nall targets met\n' : `\n${missed} target(s) missed\n`);
