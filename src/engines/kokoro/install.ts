import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { archivePacks, folderPacks, locateKokoro, type KokoroLayout } from './layout.js';

/** How long a look at the model directory stays current: installs made beside a running server show within it. */
const RESCAN_MS = 1000;

interface Scan {
  at: number;
  layout: KokoroLayout;
  /** The packs by name: a file of the voices folder, or bytes read from the archive. */
  voices: ReadonlyMap<string, { path: string } | { bytes: Uint8Array }>;
  /** The same names, as the one set handed out until the next look. */
  names: ReadonlySet<string>;
  /** Why the archive could not be read; null when there is none or it was read. */
  archiveProblem: string | null;
  key: string;
}

export interface KokoroDownload {
  file: string;
  received: number;
  total: number | null;
  overall?: { received: number; total: number; files: number; filesDone: number };
}

/**
 * What a Kokoro model directory holds right now, in any layout `locateKokoro` reads: the model
 * (the variant, else the only .onnx there) and the voice packs (`voices/<name>.bin` of exactly
 * 510×256 float32, or the entries of kokoro-onnx's `voices-v1.0.bin`). The answer is re-read
 * from the disk at most once a second, so files placed by `litetts models pull` (or copied by
 * hand) are picked up by a running server without a restart.
 */
export class KokoroInstall {
  private scanned: Scan | null = null;
  /** The archive read last, kept while its file stays the same (reading it costs ~28 MB). */
  private archive: { stamp: string; packs: Map<string, Uint8Array>; problem: null } | { stamp: string; packs: null; problem: string } | null = null;
  /**
   * While a download into this directory runs: the file under way and how far it is, and (while
   * the model and voice packs come in) how far the whole install is.
   */
  downloading: KokoroDownload | null = null;

  constructor(
    readonly dir: string,
    readonly variant: string,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The model file to load (where the variant would be when none is found). */
  get modelPath(): string {
    return this.scan().layout.model?.path ?? join(this.dir, this.variant);
  }

  /** Why no model can be loaded, naming what the directory holds; null when one can. */
  modelProblem(): string | null {
    return this.scan().layout.modelProblem;
  }

  /** Every .onnx file the directory holds (names relative to it), loadable or not. */
  foundModels(): string[] {
    return this.scan().layout.models.map((m) => m.name);
  }

  modelInstalled(): boolean {
    return this.scan().layout.model !== null;
  }

  voiceInstalled(name: string): boolean {
    return this.scan().voices.has(name);
  }

  /** The voice packs present, by name. */
  installedVoices(): ReadonlySet<string> {
    return this.scan().names;
  }

  /** A pack's bytes as LiteTTS stores packs (raw float32 510×256), from its file or the archive. */
  readVoice(name: string): Uint8Array {
    const pack = this.scan().voices.get(name);
    if (pack === undefined) throw new Error(`Kokoro voice pack ${name} is not installed in ${this.dir}`);
    return 'bytes' in pack ? pack.bytes : readFileSync(pack.path);
  }

  /** Why the voices archive could not be read; null when there is none or it was read. */
  voicesProblem(): string | null {
    return this.scan().archiveProblem;
  }

  /** Changes whenever the model or the set of voice packs does. */
  state(): string {
    return this.scan().key;
  }

  /** Looks at the disk now (after an install) rather than within the second. */
  refresh(): void {
    this.scanned = null;
  }

  private scan(): Scan {
    const now = this.clock();
    if (this.scanned && now - this.scanned.at < RESCAN_MS) return this.scanned;
    const layout = locateKokoro(this.dir, this.variant);
    const voices = new Map<string, { path: string } | { bytes: Uint8Array }>();
    // The key names every pack source with its inode and modification time: a replaced pack is read again.
    const stamps: string[] = [];
    let archiveProblem: string | null = null;
    if (layout.voices?.kind === 'folder') {
      for (const [name, file] of folderPacks(layout.voices.folder).packs) {
        voices.set(name, { path: file.path });
        stamps.push(`${file.name}@${file.stamp}`);
      }
    } else if (layout.voices?.kind === 'archive') {
      const file = layout.voices.file;
      if (this.archive?.stamp !== file.stamp) {
        try {
          this.archive = { stamp: file.stamp, packs: archivePacks(file.path), problem: null };
        } catch (error) {
          // kept with its stamp, so a broken archive is read once, not on every look
          this.archive = { stamp: file.stamp, packs: null, problem: `${file.name}: ${(error as Error).message}` };
        }
      }
      for (const [name, bytes] of this.archive.packs ?? []) voices.set(name, { bytes });
      archiveProblem = this.archive.problem;
      stamps.push(`${file.name}@${file.stamp}`);
    }
    const model = layout.model;
    const key = `${model ? `${model.name}@${model.stamp}` : 'no-model'}:${stamps.sort().join(',')}`;
    this.scanned = { at: now, layout, voices, names: new Set(voices.keys()), archiveProblem, key };
    return this.scanned;
  }
}
