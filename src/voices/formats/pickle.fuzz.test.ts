import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { FUZZ_TIMEOUT_MS, fuzzParams, resultOr } from '../../test-support/fuzz.js';
import { opcodeArb, pickleArb } from '../../test-support/pickle.js';
import { unpickle, type AllowedGlobal } from './pickle.js';
import { VoiceFormatError } from './tensor.js';

test('unpickle: random pickles give a value or a VoiceFormatError, and call only allowed globals', { timeout: FUZZ_TIMEOUT_MS }, () => {
  const calls: string[] = [];
  const globals = new Map<string, AllowedGlobal>([
    ['m.f', { call: (args) => (calls.push('m.f'), args.length) }],
    ['m.T', {}],
  ]);
  fc.assert(
    fc.property(pickleArb(['m f', 'm T', 'os system']), (pickle) => {
      calls.length = 0;
      resultOr(VoiceFormatError, () =>
        unpickle(pickle, {
          globals,
          persistentLoad: (pid) => ({ pid }),
        }),
      );
      assert.ok(calls.every((c) => c === 'm.f'), 'only the allowed callable was called');
    }),
    fuzzParams(1000),
  );
});

test('unpickle: a forbidden global is refused, and nothing after it runs', { timeout: FUZZ_TIMEOUT_MS }, () => {
  fc.assert(
    fc.property(fc.array(opcodeArb(['m f']), { maxLength: 20 }), fc.array(opcodeArb(['m f']), { maxLength: 20 }), (before, after) => {
      let calls = 0;
      const globals = new Map<string, AllowedGlobal>([['m.f', { call: () => ++calls }]]);
      resultOr(VoiceFormatError, () => unpickle(new Uint8Array([0x80, 2, ...before.flat(), 0x2e]), { globals }));
      const callsBefore = calls;
      calls = 0;
      const pickle = new Uint8Array([0x80, 2, ...before.flat(), 0x63, ...new TextEncoder().encode('os\nsystem\n'), ...after.flat(), 0x2e]);
      const r = resultOr(VoiceFormatError, () => unpickle(pickle, { globals }));
      assert.ok(!r.ok, 'a pickle that reaches os.system never reads');
      assert.ok(calls <= callsBefore, 'only the opcodes before the forbidden name ran');
    }),
    fuzzParams(300),
  );
});
