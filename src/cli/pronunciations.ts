import { readFile, stat, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { Config } from '../config.js';
import { createEngines, engineSettings } from '../engines/index.js';
import { errors } from '../errors.js';
import { openServerLexicon, type LexiconEntryInput, type ServerLexicon } from '../pronunciations/index.js';
import type { PronunciationRow } from '../store/pronunciations.js';
import { openLibrary } from '../voices/open.js';

type ConfigReader = (options: Record<string, unknown>) => Config;

/** A lexicon file: `{"entries": [{"word", "phonemes", "language"?}]}` (what `export` writes) or misaki's `{"word": "phonemes"}`. */
const MAX_FILE_BYTES = 4 * 1024 * 1024;

/**
 * `litetts pronunciations …`: the server lexicon in the same catalog the server reads (a
 * running server sees a change on its next request), with the same checks as the HTTP routes.
 */
export function addPronunciationCommands(command: Command, withConfig: (command: Command) => Command, readConfig: ConfigReader): void {
  const run = <A extends unknown[]>(action: (lexicon: ServerLexicon, ...args: A) => Promise<void>) =>
    async (...args: [...A, Record<string, unknown>, Command]) => {
      const options = args[args.length - 2] as Record<string, unknown>;
      const config = readConfig(options);
      const engines = createEngines(engineSettings(config, 1));
      const { library, catalog } = await openLibrary(config, engines);
      try {
        await action(openServerLexicon(catalog, engines, () => library.defaultVoiceName()), ...(args.slice(0, -1) as unknown as A));
      } finally {
        await catalog.close();
      }
    };
  const language = (options: Record<string, unknown>) => (options.language === undefined ? undefined : String(options.language));

  withConfig(command.command('list').description('list the server lexicon').option('--language <code>', 'only this language').option('--json', 'print JSON')).action(
    run(async (lexicon, options: Record<string, unknown>) => {
      const rows = await lexicon.list({ language: language(options) });
      if (options.json) process.stdout.write(`${JSON.stringify(rows.map(entryJson), null, 2)}\n`);
      else process.stdout.write(table(rows));
    }),
  );

  withConfig(
    command
      .command('set')
      .description("set a word's phonemes (Kokoro's symbols, as `/v1/audio/phonemes` shows them)")
      .argument('<word>')
      .argument('<phonemes>')
      .option('--language <code>', "the language (default: the default voice's)")
      .option('--json', 'print JSON'),
  ).action(
    run(async (lexicon, word: string, phonemes: string, options: Record<string, unknown>) => {
      const { rows, created } = await lexicon.put([{ word, phonemes, language: language(options) }]);
      const row = rows[0]!;
      process.stdout.write(options.json ? `${JSON.stringify(entryJson(row), null, 2)}\n` : `${created ? 'added' : 'replaced'} ${row.word} (${row.language}) /${row.phonemes}/\n`);
    }),
  );

  withConfig(command.command('delete').description("remove a word's entries").argument('<word>').option('--language <code>', 'only in this language')).action(
    run(async (lexicon, word: string, options: Record<string, unknown>) => {
      const rows = await lexicon.delete(word, language(options));
      process.stdout.write(`deleted ${rows.map((r) => `${r.word} (${r.language})`).join(', ')}\n`);
    }),
  );

  withConfig(
    command
      .command('import')
      .description('add or replace the entries of a JSON file ({"entries": [...]} as export writes, or {"word": "phonemes"}): all or none')
      .argument('<file>')
      .option('--language <code>', 'the language of entries that name none'),
  ).action(
    run(async (lexicon, file: string, options: Record<string, unknown>) => {
      const entries = await readLexiconFile(file, language(options));
      const { rows, created } = await lexicon.put(entries);
      process.stdout.write(`imported ${rows.length} entries (${created} new)\n`);
    }),
  );

  withConfig(command.command('export').description('write the lexicon as JSON (to FILE, or stdout)').argument('[file]')).action(
    run(async (lexicon, file: string | undefined) => {
      const text = `${JSON.stringify({ entries: (await lexicon.list()).map(({ word, language, phonemes }) => ({ word, language, phonemes })) }, null, 2)}\n`;
      if (file === undefined || file === '-') process.stdout.write(text);
      else await writeFile(file, text);
    }),
  );
}

async function readLexiconFile(file: string, language: string | undefined): Promise<LexiconEntryInput[]> {
  if ((await stat(file)).size > MAX_FILE_BYTES) throw errors.invalidParam('file', `A lexicon file may hold at most ${MAX_FILE_BYTES / 1024 / 1024} MiB`, 'file_too_large');
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    throw errors.invalidParam('file', `${file} is not JSON`, 'invalid_file');
  }
  const withLanguage = (e: LexiconEntryInput): LexiconEntryInput => (e.language === undefined && language !== undefined ? { ...e, language } : e);
  if (parsed !== null && typeof parsed === 'object' && Array.isArray((parsed as { entries?: unknown }).entries)) {
    return ((parsed as { entries: unknown[] }).entries).map((e) => withLanguage((e ?? {}) as LexiconEntryInput));
  }
  if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
    return Object.entries(parsed as Record<string, unknown>).map(([word, phonemes]) => withLanguage({ word, phonemes }));
  }
  throw errors.invalidParam('file', `${file} holds neither {"entries": [...]} nor {"word": "phonemes"}`, 'invalid_file');
}

const entryJson = (r: PronunciationRow) => ({ word: r.word, language: r.language, phonemes: r.phonemes, updated_at: new Date(r.updatedAt).toISOString() });

function table(rows: readonly PronunciationRow[]): string {
  if (rows.length === 0) return 'the server lexicon is empty\n';
  const head = ['WORD', 'LANGUAGE', 'PHONEMES'];
  const cells = rows.map((r) => [r.word, r.language, r.phonemes]);
  const width = head.map((h, i) => Math.max(h.length, ...cells.map((c) => [...c[i]!].length)));
  const line = (c: readonly string[]) => c.map((x, i) => x + ' '.repeat(width[i]! - [...x].length)).join('  ').trimEnd();
  return `${[line(head), ...cells.map(line)].join('\n')}\n`;
}
