/** The API's voice-name rule: 1–64 of A-Z a-z 0-9 _ -, starting with a letter or digit. */
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export function isValidVoiceName(name: string): boolean {
  return NAME_PATTERN.test(name);
}

/** Names are compared case-insensitively; this is the form they are compared in. */
export function nameKey(name: string): string {
  return name.toLowerCase();
}

/**
 * OpenAI's voice names. Each always means the voice it is mapped to (an engine's own
 * mapping, or the server's --voice-aliases), so no stored voice may take one: a custom
 * voice named `nova` would be accepted and then never spoken.
 */
export const OPENAI_VOICE_NAMES = [
  'alloy', 'ash', 'ballad', 'cedar', 'coral', 'echo', 'fable', 'marin', 'nova', 'onyx', 'sage', 'shimmer', 'verse',
] as const;
