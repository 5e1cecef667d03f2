/**
 * What the Kokoro-82M v1.0 ONNX repository on Hugging Face publishes: the model variants (path,
 * size, SHA-256 — the Git LFS object ids) and the 54 voice packs. Downloads are verified against
 * these facts, so they live in code rather than being fetched.
 */

export const KOKORO_REPOSITORY = 'onnx-community/Kokoro-82M-v1.0-ONNX';
export const KOKORO_BASE_URL = `https://huggingface.co/${KOKORO_REPOSITORY}/resolve/main`;

export interface ModelFile {
  /** Path inside the repository, e.g. "onnx/model_quantized.onnx". */
  path: string;
  /** Size in bytes. */
  size: number;
  /** Lower-case hex SHA-256. */
  sha256: string;
}

export const KOKORO_VARIANTS = {
  'model.onnx': {
    path: 'onnx/model.onnx',
    size: 325_532_232,
    sha256: '8fbea51ea711f2af382e88c833d9e288c6dc82ce5e98421ea61c058ce21a34cb',
  },
  'model_fp16.onnx': {
    path: 'onnx/model_fp16.onnx',
    size: 163_234_740,
    sha256: 'ba4527a874b42b21e35f468c10d326fdff3c7fc8cac1f85e9eb6c0dfc35c334a',
  },
  'model_q4.onnx': {
    path: 'onnx/model_q4.onnx',
    size: 305_215_966,
    sha256: '04cf570cf9c4153694f76347ed4b9a48c1b59ff1de0999e6605d123966b197c7',
  },
  'model_q4f16.onnx': {
    path: 'onnx/model_q4f16.onnx',
    size: 154_586_422,
    sha256: 'd1a508a6a29671ead84fac99c7401fbd3c21a583fc6ed1406d1ec974d53bf45f',
  },
  'model_q8f16.onnx': {
    path: 'onnx/model_q8f16.onnx',
    size: 86_033_585,
    sha256: '04c658aec1b6008857c2ad10f8c589d4180d0ec427e7e6118ceb487e215c3cd0',
  },
  'model_quantized.onnx': {
    path: 'onnx/model_quantized.onnx',
    size: 92_361_116,
    sha256: 'fbae9257e1e05ffc727e951ef9b9c98418e6d79f1c9b6b13bd59f5c9028a1478',
  },
  'model_uint8.onnx': {
    path: 'onnx/model_uint8.onnx',
    size: 177_464_632,
    sha256: '6607a397d77b8514065420b7c1e7320117f7aabfdb45ce15f0050c5b0fe75aea',
  },
  'model_uint8f16.onnx': {
    path: 'onnx/model_uint8f16.onnx',
    size: 114_209_226,
    sha256: '883333e03c597584b532eebea0f8310f25f0c9ade58fe864792c12d969944a9a',
  },
} as const satisfies Readonly<Record<string, ModelFile>>;

export type KokoroVariant = keyof typeof KOKORO_VARIANTS;

/** q8, 92 MB: close to full quality at a third of the size. */
export const DEFAULT_VARIANT: KokoroVariant = 'model_quantized.onnx';

/** The official voice packs, at `voices/<name>.bin`. Prefix: language, then f/m (gender). */
export const KOKORO_VOICE_NAMES: readonly string[] = [
  'af_alloy', 'af_aoede', 'af_bella', 'af_heart', 'af_jessica', 'af_kore', 'af_nicole', 'af_nova',
  'af_river', 'af_sarah', 'af_sky', 'am_adam', 'am_echo', 'am_eric', 'am_fenrir', 'am_liam',
  'am_michael', 'am_onyx', 'am_puck', 'am_santa', 'bf_alice', 'bf_emma', 'bf_isabella', 'bf_lily',
  'bm_daniel', 'bm_fable', 'bm_george', 'bm_lewis', 'ef_dora', 'em_alex', 'em_santa', 'ff_siwis',
  'hf_alpha', 'hf_beta', 'hm_omega', 'hm_psi', 'if_sara', 'im_nicola', 'jf_alpha', 'jf_gongitsune',
  'jf_nezumi', 'jf_tebukuro', 'jm_kumo', 'pf_dora', 'pm_alex', 'pm_santa', 'zf_xiaobei', 'zf_xiaoni',
  'zf_xiaoxiao', 'zf_xiaoyi', 'zm_yunjian', 'zm_yunxi', 'zm_yunxia', 'zm_yunyang',
];

/** Every voice pack is raw float32 (510, 1, 256): 522,240 bytes. No hashes are published. */
export const KOKORO_VOICE_SIZE = 510 * 256 * 4;

/** Path of a voice pack inside the repository (and inside an install directory). */
export function voicePath(name: string): string {
  return `voices/${name}.bin`;
}

/** Download URL of a repository path under `baseUrl` (default: the Hugging Face repository). */
export function fileUrl(baseUrl: string | undefined, path: string): string {
  const root = baseUrl ?? KOKORO_BASE_URL;
  const base = root.endsWith('/') ? root : `${root}/`;
  return new URL(path.split('/').map(encodeURIComponent).join('/'), base).toString();
}

/** Everything `pullModel` needs to know about a repository; tests substitute their own. */
export interface KokoroCatalog {
  repository: string;
  variants: Readonly<Record<string, ModelFile>>;
  voiceNames: readonly string[];
  voiceSize: number;
}

export const KOKORO_CATALOG: KokoroCatalog = {
  repository: KOKORO_REPOSITORY,
  variants: KOKORO_VARIANTS,
  voiceNames: KOKORO_VOICE_NAMES,
  voiceSize: KOKORO_VOICE_SIZE,
};
