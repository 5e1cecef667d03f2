// Minimal typings for the Emscripten build of espeak-ng used in-process.
declare module '@echogarden/espeak-ng-emscripten' {
  export interface EspeakVoiceInfo {
    name: string;
    identifier: string;
    languages: { priority: number; name: string }[];
  }
  export interface EspeakWorker {
    set_voice(name: string): number;
    set_rate(wpm: number): void;
    set_pitch(pitch: number): void;
    set_range(range: number): void;
    set_volume(volume: number): void;
    get_samplerate(): number;
    list_voices(): EspeakVoiceInfo[];
    /** Calls back with 16-bit PCM chunks; return non-zero from the callback to stop. */
    synthesize(text: string, callback: (samples: Int16Array, events: unknown[]) => number): void;
    synthesize_ipa(text: string): { code: number; ipa: string };
    /** espeak_TextToPhonemes over the whole text: clauses joined by " | "; returns a pointer to a C string. */
    text_to_phonemes(text: string, useIpa: boolean): EspeakPointer;
  }
  /** An Emscripten-wrapped pointer. */
  export interface EspeakPointer {
    readonly ptr: number;
  }
  export interface EspeakModule {
    eSpeakNGWorker: new () => EspeakWorker;
    getPointer(pointer: EspeakPointer): number;
    HEAPU8: Uint8Array;
    FS: {
      readdir(path: string): string[];
      readFile(path: string, options: { encoding: 'utf8' }): string;
      writeFile(path: string, data: string): void;
      unlink(path: string): void;
    };
  }
  const createModule: (options?: Record<string, unknown>) => Promise<EspeakModule>;
  export default createModule;
}
