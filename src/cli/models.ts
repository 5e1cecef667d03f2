import type { Command } from 'commander';
import type { Config } from '../config.js';
import { createProgressBar, installedModels, pullModel } from '../engines/kokoro/download.js';
import { KOKORO_VARIANTS } from '../engines/kokoro/model-files.js';

type ConfigReader = (options: Record<string, unknown>) => Config;

/** `litetts models …`: install Kokoro-82M (verified download with resume) and show what is installed. */
export function addModelCommands(models: Command, withConfig: (command: Command) => Command, readConfig: ConfigReader): void {
  withConfig(
    models
      .command('pull')
      .description(`download a Kokoro model variant and its 54 voice packs (variants: ${Object.keys(KOKORO_VARIANTS).join(', ')})`)
      .argument('[variant]', 'model variant (default: the configured one, model_quantized.onnx)')
      .option('--voices <names>', "comma-separated voice packs, or 'all'", 'all'),
  ).action(async (variant: string | undefined, options: Record<string, unknown>) => {
    const config = readConfig(options);
    const chosen = variant ?? config.modelVariant;
    if (!(chosen in KOKORO_VARIANTS)) throw new Error(`Unknown model variant '${chosen}'; use one of ${Object.keys(KOKORO_VARIANTS).join(', ')}`);
    const voices = String(options.voices) === 'all' ? 'all' : String(options.voices).split(',').map((v) => v.trim()).filter(Boolean);
    const result = await pullModel({
      dir: config.modelDir!,
      variant: chosen,
      voices,
      baseUrl: config.modelBaseUrl,
      onProgress: createProgressBar(process.stderr),
    });
    process.stdout.write(`Kokoro ${chosen} installed in ${config.modelDir} (${result.downloaded.length} downloaded, ${result.skipped.length} already there)\n`);
  });

  withConfig(models.command('list').description('show the installed Kokoro model and voice packs').option('--json', 'print JSON')).action(
    async (options: Record<string, unknown>) => {
      const config = readConfig(options);
      const installed = await installedModels(config.modelDir!);
      if (options.json) {
        process.stdout.write(`${JSON.stringify(installed, null, 2)}\n`);
        return;
      }
      if (!installed) {
        process.stdout.write(`Kokoro is not installed in ${config.modelDir}; run \`litetts models pull\`\n`);
        return;
      }
      process.stdout.write(`Kokoro in ${installed.dir} (${installed.repository}), installed ${installed.installedAt}\n`);
      for (const m of installed.models) process.stdout.write(`  model  ${m.name}${m.name === installed.variant ? ' (loaded)' : ''}  ${(m.size / 1e6).toFixed(1)} MB\n`);
      process.stdout.write(`  voices ${installed.voices.length}: ${installed.voices.map((v) => v.name).join(', ')}\n`);
      for (const p of installed.problems) process.stdout.write(`  problem: ${p}\n`);
      process.stdout.write(installed.ok ? '  ok\n' : '  incomplete: run `litetts models pull` to repair\n');
    },
  );
}
