import assert from 'node:assert/strict';
import { test } from 'node:test';
import createModule from '@echogarden/espeak-ng-emscripten';
import { ESPEAK_BASES, ESPEAK_VARIANTS } from './names.js';

interface ListedVoice {
  identifier: string;
  languages: { name: string }[];
}

test('the names a voice may use are exactly those this espeak-ng build answers to', async () => {
  const module = await createModule();
  const worker = new module.eSpeakNGWorker();
  const variants = (module.FS.readdir('/usr/share/espeak-ng-data/voices/!v') as string[]).filter((n) => !n.startsWith('.')).sort();
  assert.deepEqual([...ESPEAK_VARIANTS].sort(), variants, 'the variant files');
  // Every name the build lists (languages and file names), written as a voice's base may be
  // written (no paths), kept when set_voice accepts it.
  const candidates = new Set<string>();
  for (const voice of worker.list_voices() as ListedVoice[]) {
    for (const language of voice.languages) candidates.add(language.name.toLowerCase());
    candidates.add(voice.identifier.split('/').pop()!.toLowerCase());
  }
  const accepted = [...candidates].filter((n) => /^[a-z]{2,3}(?:-[a-z0-9]{1,8}){0,4}$/.test(n) && worker.set_voice(n) === 0).sort();
  assert.deepEqual([...ESPEAK_BASES].sort(), accepted, 'the language voices');
  for (const base of ESPEAK_BASES) assert.equal(worker.set_voice(base), 0, base);
});
