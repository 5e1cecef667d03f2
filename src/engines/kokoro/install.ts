import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { KOKORO_VOICE_SIZE, voicePath } from './model-files.js';

/** How long a look at the model directory stays current: installs made beside a running server show within it. */
const RESCAN_MS = 1000;

interface Scan {
  at: number;
  model: boolean;
  voices: ReadonlySet<string>;
  key: string;
}

/**
 * What a Kokoro model directory holds right now: `<dir>/<variant>` (the model) and
 * `<dir>/voices/<name>.bin` (voice packs of exactly 510×256 float32). The answer is
 * re-read from the disk at most once a second, so files placed by `litetts models pull`
 * (or copied by hand) are picked up by a running server without a restart.
 */
export class KokoroInstall {
  private scanned: Scan | null = null;
  /** While a download into this directory runs: the file under way and how far it is. */
  downloading: { file: string; received: number; total: number | null } | null = null;

  constructor(
    readonly dir: string,
    readonly variant: string,
    private readonly clock: () => number = Date.now,
  ) {}

  get modelPath(): string {
    return join(this.dir, this.variant);
  }

  voicePath(name: string): string {
    return join(this.dir, voicePath(name));
  }

  modelInstalled(): boolean {
    return this.scan().model;
  }

  voiceInstalled(name: string): boolean {
    return this.scan().voices.has(name);
  }

  /** The voice packs present, by name. */
  installedVoices(): ReadonlySet<string> {
    return this.scan().voices;
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
    const model = isFile(this.modelPath);
    const voices = new Set<string>();
    let entries: string[] = [];
    try {
      entries = readdirSync(join(this.dir, 'voices'));
    } catch {
      // no voices folder: no packs
    }
    // The key names every pack with its inode and modification time: a replaced pack is read again.
    const stamps: string[] = [];
    for (const entry of entries) {
      const stat = entry.endsWith('.bin') ? fileStat(join(this.dir, 'voices', entry)) : null;
      if (stat?.size !== KOKORO_VOICE_SIZE) continue;
      voices.add(entry.slice(0, -4));
      stamps.push(`${entry}@${stat.ino}.${stat.mtimeMs}`);
    }
    const modelStat = model ? fileStat(this.modelPath) : null;
    const key = `${modelStat ? `model@${modelStat.ino}.${modelStat.mtimeMs}` : 'no-model'}:${stamps.sort().join(',')}`;
    this.scanned = { at: now, model, voices, key };
    return this.scanned;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function fileStat(path: string): { size: number; ino: number; mtimeMs: number } | null {
  try {
    const stat = statSync(path);
    return stat.isFile() ? { size: stat.size, ino: stat.ino, mtimeMs: stat.mtimeMs } : null;
  } catch {
    return null;
  }
}
