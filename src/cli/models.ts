import type { Command } from 'commander';
import type { Config } from '../config.js';
import { LEXICON_COMMIT, importLexicon, lexiconDir } from '../engines/kokoro/g2p/lexicon-files.js';
import { installedModels } from '../engines/kokoro/installed.js';
import { KOKORO_VARIANTS, KOKORO_VOICE_NAMES } from '../engines/kokoro/model-files.js';
import { createProgressBar } from '../engines/kokoro/progress.js';
import { pullModel } from '../engines/kokoro/pull.js';
import { installVoicePacks } from '../voices/packs.js';
import { EXIT } from './exit-codes.js';
import { table } from './table.js';

type ConfigReader = (options: Record<string, unknown>) => Config;

/** `litetts models …`: install Kokoro-82M (verified download with resume) and show what is installed. */
export function addModelCommands(models: Command, withConfig: (command: Command) => Command, readConfig: ConfigReader): void {
  withConfig(
    models
      .command('pull')
      .description(`download a Kokoro model variant and its 54 voice packs (variants: ${Object.keys(KOKORO_VARIANTS).join(', ')})`)
      .argument('[variant]', 'model variant (default: the configured one, model_quantized.onnx)')
      .option('--voices <names>', "comma-separated voice packs, or 'all'", 'all')
      .option('--json', 'print the result as JSON'),
  ).action(async (variant: string | undefined, options: Record<string, unknown>) => {
    const config = readConfig(options);
    const chosen = variant ?? config.modelVariant;
    if (!(chosen in KOKORO_VARIANTS)) throw new Error(`Unknown model variant '${chosen}'; use one of ${Object.keys(KOKORO_VARIANTS).join(', ')}`);
    const voices = String(options.voices) === 'all' ? 'all' : String(options.voices).split(',').map((v) => v.trim()).filter(Boolean);
    // Said before the first request, so that a slow network is not mistaken for a hang.
    const packs = voices === 'all' ? KOKORO_VOICE_NAMES.length : voices.length;
    process.stderr.write(`Downloading Kokoro ${chosen} and ${packs} voice pack${packs === 1 ? '' : 's'} from ${config.modelBaseUrl} into ${config.modelDir}\n`);
    const result = await pullModel({
      dir: config.modelDir!,
      variant: chosen,
      voices,
      baseUrl: config.modelBaseUrl,
      onProgress: createProgressBar(process.stderr),
    });
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ dir: config.modelDir, variant: chosen, downloaded: result.downloaded, skipped: result.skipped }, null, 2)}\n`);
      return;
    }
    process.stdout.write(`Kokoro ${chosen} installed in ${config.modelDir} (${result.downloaded.length} downloaded, ${result.skipped.length} already there)\n`);
  });

  withConfig(models.command('list').description('show the installed Kokoro model and voice packs').option('--json', 'print JSON')).action(
    async (options: Record<string, unknown>) => {
      const config = readConfig(options);
      const installed = await installedModels(config.modelDir!, config.modelVariant);
      // A missing or broken install is not an error of the command, but scripts should see it.
      if (!installed?.ok) process.exitCode = EXIT.incomplete;
      if (options.json) {
        process.stdout.write(`${JSON.stringify(installed, null, 2)}\n`);
        return;
      }
      if (!installed) {
        process.stdout.write(`Kokoro is not installed in ${config.modelDir}; run \`litetts models pull\`, or set LITETTS_MODEL_DIR to a Kokoro download\n`);
        return;
      }
      const origin = installed.source === 'manifest' ? `${installed.repository}, installed ${installed.installedAt}` : 'local files, no manifest';
      process.stdout.write(`Kokoro in ${installed.dir} (${origin})\n`);
      process.stdout.write(
        table(
          ['MODEL', 'SIZE', 'LOADED'],
          installed.models.map((m) => [m.name, `${(m.size / 1e6).toFixed(1)} MB`, m.name === installed.variant && installed.ok ? 'yes' : '']),
        ),
      );
      process.stdout.write(`voices: ${installed.voices.length} (${installed.voices.map((v) => v.name).join(', ')})\n`);
      for (const p of installed.problems) process.stdout.write(`problem: ${p}\n`);
      process.stdout.write(installed.ok ? 'ok\n' : 'incomplete: run `litetts models pull` to repair\n');
    },
  );

  withConfig(
    models
      .command('import-voices')
      .description(
        'install Kokoro voice packs from local files: a folder of .bin/.npy/.npz/.pt files, or one .npz ' +
          "such as kokoro-onnx's voices-v1.0.bin; each becomes <model-dir>/voices/<name>.bin",
      )
      .argument('<path>', 'folder or voice file')
      .option('--voices <names>', 'comma-separated voices to import (default: every voice found)')
      .option('--overwrite', 'replace installed packs whose contents differ')
      .option('--json', 'print the result as JSON'),
  ).action(async (path: string, options: Record<string, unknown>) => {
    const config = readConfig(options);
    const names = typeof options.voices === 'string' ? options.voices.split(',').map((v) => v.trim()).filter(Boolean) : undefined;
    const result = await installVoicePacks({ dir: config.modelDir!, source: path, names, overwrite: options.overwrite === true });
    if (result.installed.length === 0 && (result.rejected.length > 0 || result.skipped.length === 0)) process.exitCode = EXIT.incomplete;
    if (options.json) {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      return;
    }
    const manifest = result.manifestUpdated ? '; manifest updated' : '';
    process.stdout.write(
      `Imported into ${config.modelDir}: ${result.installed.length} installed, ${result.skipped.length} already there, ${result.rejected.length} rejected${manifest}\n`,
    );
    if (result.installed.length > 0) process.stdout.write(`  installed: ${result.installed.join(', ')}\n`);
    for (const r of result.rejected) process.stderr.write(`  rejected ${r.name}: ${r.reason}\n`);
    if (result.installed.length === 0 && result.skipped.length === 0 && result.rejected.length === 0) {
      process.stderr.write(`no Kokoro voice files found in ${path}\n`);
    }
  });

  withConfig(
    models
      .command('import-lexicon')
      .description(
        `install misaki's English lexicons (us_gold.json, us_silver.json, gb_gold.json, gb_silver.json, commit ${LEXICON_COMMIT.slice(0, 7)}) ` +
          'from a local folder, e.g. a copy of misaki/data/; each file is verified against its pinned SHA-256',
      )
      .argument('<dir>', 'folder holding the four files'),
  ).action(async (dir: string, options: Record<string, unknown>) => {
    const config = readConfig(options);
    const dest = lexiconDir(config.modelDir!);
    const installed = await importLexicon(dir, dest);
    process.stdout.write(`Imported into ${dest}: ${installed.join(', ')}\n`);
  });
}
