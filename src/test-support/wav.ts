/**
 * 16-bit mono WAV files for tests, whose header sizes may be told to lie (`declared`), which
 * the server's own WAV encoder (streaming, 0xFFFFFFFF sizes) cannot be asked to do.
 */
export function wavFile(pcm: Int16Array, rate: number, declared: { riff?: number; data?: number } = {}): Buffer {
  const out = Buffer.alloc(44 + pcm.length * 2);
  out.write('RIFF', 0, 'latin1');
  out.writeUInt32LE(declared.riff ?? 36 + pcm.length * 2, 4);
  out.write('WAVEfmt ', 8, 'latin1');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20); // PCM
  out.writeUInt16LE(1, 22); // mono
  out.writeUInt32LE(rate, 24);
  out.writeUInt32LE(rate * 2, 28);
  out.writeUInt16LE(2, 32);
  out.writeUInt16LE(16, 34);
  out.write('data', 36, 'latin1');
  out.writeUInt32LE(declared.data ?? pcm.length * 2, 40);
  Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength).copy(out, 44);
  return out;
}

/** `frames` samples of a sine tone. */
export function tone(rate: number, frames: number, hz: number, amplitude: number): Int16Array {
  return Int16Array.from({ length: frames }, (_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / rate)));
}
