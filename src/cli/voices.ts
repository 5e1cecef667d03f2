import { readFile, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { Option, type Command } from 'commander';
import type { Config } from '../config.js';
import { ENGINE_IDS, createEngines, engineSettings } from '../engines/index.js';
import { openLibrary } from '../voices/open.js';
import { addCloneCommand } from './clone.js';
import { downloadVoice, exportVoices, importVoices, type DownloadFormat } from '../voices/transfer.js';
import type { Voice } from '../voices/voice.js';
import { EXIT } from './exit-codes.js';
import { table } from './table.js';

type ConfigReader = (options: Record<string, unknown>) => Config;

/**
 * `litetts voices …`: the same library and catalog the server uses, on the same
 * data directory. SQLite serialises the writes, so this is safe while a server runs.
 */
export function addVoiceCommands(voices: Command, withConfig: (command: Command) => Command, readConfig: ConfigReader): void {
  const run = <A extends unknown[]>(action: (library: Awaited<ReturnType<typeof openLibrary>>['library'], ...args: A) => Promise<void> | void) =>
    async (...args: [...A, Record<string, unknown>, Command]) => {
      const options = args[args.length - 2] as Record<string, unknown>;
      const config = readConfig(options);
      const { library, catalog } = await openLibrary(config, createEngines(engineSettings(config, 1)));
      try {
        // Commander passes the positional arguments, then the options, then the command itself.
        await action(library, ...(args.slice(0, -1) as unknown as A));
      } finally {
        await catalog.close();
      }
    };
  const print = (voice: Voice, json: boolean) => process.stdout.write(json ? `${JSON.stringify(voice, null, 2)}\n` : `${line(voice)}\n`);

  withConfig(
    voices
      .command('list')
      .description('list voices (builtin and custom; --kind temporary|all for temporary ones)')
      .addOption(new Option('--kind <kind>', 'only voices of this kind').choices(['builtin', 'custom', 'temporary', 'all']))
      .addOption(new Option('--engine <engine>', 'only voices of this engine').choices([...ENGINE_IDS]))
      .option('--session <id>', 'only temporary voices of this session')
      .option('--json', 'print JSON'),
  ).action(
    run(async (library, options: Record<string, unknown>) => {
      const list = await library.list({
        ...(options.kind !== undefined && { kind: options.kind as 'all' }),
        ...(options.engine !== undefined && { engine: String(options.engine) }),
        ...(options.session !== undefined && { sessionId: String(options.session) }),
      });
      if (options.json) process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
      else process.stdout.write(voiceTable(list));
    }),
  );

  withConfig(voices.command('show').description('show one voice').argument('<name>').option('--json', 'print JSON')).action(
    run(async (library, name: string, options: Record<string, unknown>) => {
      const voice = await library.get(name);
      if (!voice) throw new Error(`Voice '${name}' does not exist`);
      print(voice, Boolean(options.json));
    }),
  );

  withConfig(
    voices
      .command('import')
      .description('import voices from a .bin, .npy, .npz, .pt or espeak JSON file')
      .argument('<file>')
      .option('-n, --name <name>', 'voice name for a single-voice file')
      .option('--temporary', 'import as temporary voices')
      .option('--session <id>', 'session of the temporary voices')
      .option('--ttl <seconds>', 'lifetime of temporary voices', (v) => Number(v))
      .option('--description <text>', 'description')
      .option('--json', 'print JSON'),
  ).action(
    run(async (library, file: string, options: Record<string, unknown>) => {
      const bytes = new Uint8Array(await readFile(file));
      const imported = await importVoices(library, basename(file), bytes, {
        voiceName: options.name as string | undefined,
        // Absent: custom, unless --session or --ttl asks for a temporary voice (as over HTTP).
        temporary: options.temporary ? true : undefined,
        sessionId: options.session as string | undefined,
        ttlSeconds: options.ttl as number | undefined,
        description: options.description as string | undefined,
      });
      if (options.json) process.stdout.write(`${JSON.stringify({ data: imported }, null, 2)}\n`);
      else for (const v of imported) process.stdout.write(`imported ${line(v)}\n`);
    }),
  );

  withConfig(
    voices
      .command('export')
      .description('write all custom (or --all) Kokoro voices to one .npz')
      .argument('<file>')
      .option('--all', 'include builtin and temporary voices'),
  ).action(
    run(async (library, file: string, options: Record<string, unknown>) => {
      // A stream: writeFile takes the chunks as they come, one voice in memory at a time.
      await writeFile(file, exportVoices(library, options.all ? 'all' : 'custom').stream);
      process.stderr.write(`wrote ${file}\n`);
    }),
  );

  withConfig(
    voices
      .command('download')
      .description("write one voice's data (Kokoro: bin or npz; espeak: json)")
      .argument('<name>')
      .argument('<file>')
      .option('-f, --format <format>', 'bin, npz or json'),
  ).action(
    run(async (library, name: string, file: string, options: Record<string, unknown>) => {
      await writeFile(file, (await downloadVoice(library, name, options.format as DownloadFormat | undefined)).bytes);
      process.stderr.write(`wrote ${file}\n`);
    }),
  );

  withConfig(
    voices
      .command('delete')
      .description('delete a custom voice (or --temporary a temporary one)')
      .argument('<name>')
      .option('--temporary', 'the voice is temporary')
      .option('--session <id>', 'session the temporary voice must belong to')
      .option('--json', 'print JSON'),
  ).action(
    run(async (library, name: string, options: Record<string, unknown>) => {
      const voice = await library.delete(name, options.temporary ? 'temporary' : 'custom', options.session as string | undefined);
      process.stdout.write(options.json ? `${JSON.stringify({ deleted: voice.name })}\n` : `deleted ${voice.name}\n`);
    }),
  );

  withConfig(
    voices
      .command('save')
      .description('make a temporary voice permanent')
      .argument('<name>')
      .option('--as <new-name>', 'save it under another name')
      .option('--session <id>', 'session the voice must belong to')
      .option('--json', 'print JSON'),
  ).action(
    run(async (library, name: string, options: Record<string, unknown>) => {
      const { voice, changed } = await library.save(name, { sessionId: options.session as string | undefined, newName: options.as as string | undefined });
      process.stdout.write(options.json ? `${JSON.stringify({ voice }, null, 2)}\n` : `${changed ? 'saved' : 'already custom:'} ${line(voice)}\n`);
    }),
  );

  withConfig(
    voices
      .command('blend')
      .description("save a blend, e.g. litetts voices blend mix 'espeak-en-us-female(2)+espeak-en-gb-female(1)'")
      .argument('<name>')
      .argument('<formula>')
      .option('--temporary', 'keep it as a temporary voice')
      .option('--session <id>', 'session of the temporary voice')
      .option('--description <text>', 'description')
      .option('--json', 'print JSON'),
  ).action(
    run(async (library, name: string, formula: string, options: Record<string, unknown>) => {
      const voice = await library.blend({
        name,
        voices: formula,
        // Absent: custom, unless --session or --ttl asks for a temporary voice (as over HTTP).
        temporary: options.temporary ? true : undefined,
        sessionId: options.session as string | undefined,
        description: options.description as string | undefined,
      });
      process.stdout.write(options.json ? `${JSON.stringify({ voice }, null, 2)}\n` : `blended ${line(voice)}\n`);
    }),
  );

  withConfig(voices.command('check').description("check the catalog's integrity (database and voice data)").option('--json', 'print JSON')).action(
    run(async (library, options: Record<string, unknown>) => {
      const problems = await library.checkIntegrity();
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ ok: problems.length === 0, problems }, null, 2)}\n`);
        if (problems.length > 0) process.exitCode = EXIT.incomplete;
        return;
      }
      if (problems.length > 0) throw new Error(`catalog problems:\n  ${problems.join('\n  ')}`);
      process.stdout.write('catalog ok\n');
    }),
  );

  addCloneCommand(voices, withConfig, readConfig);

  withConfig(voices.command('cleanup').description('remove expired temporary voices now').option('--json', 'print JSON')).action(
    run(async (library, options: Record<string, unknown>) => {
      const removed = await library.cleanup();
      process.stdout.write(options.json ? `${JSON.stringify({ removed })}\n` : `removed ${removed} expired temporary voice(s)\n`);
    }),
  );
}

/** `voices list`: a header, then one voice a line; AVAILABLE says whether it can speak here now. */
function voiceTable(list: readonly Voice[]): string {
  return table(
    ['NAME', 'ENGINE', 'KIND', 'LANGUAGE', 'GENDER', 'AVAILABLE', 'EXPIRES', 'DESCRIPTION'],
    list.map((v) => [v.name, v.engine, v.kind, v.language, v.gender ?? '-', v.available ? 'yes' : 'no', v.expires_at ?? '-', v.description]),
  );
}

function line(v: Voice): string {
  const expiry = v.expires_at ? ` expires ${v.expires_at} session ${v.session_id}` : '';
  return `${v.name.padEnd(28)} ${v.engine.padEnd(7)} ${v.kind.padEnd(9)} ${v.language.padEnd(6)} ${(v.gender ?? '-').padEnd(6)} ${v.description}${expiry}`;
}
