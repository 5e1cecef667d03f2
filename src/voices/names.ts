/** The API's voice-name rule: 1–64 of A-Z a-z 0-9 _ -, starting with a letter or digit. */
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export function isValidVoiceName(name: string): boolean {
  return NAME_PATTERN.test(name);
}

/** Names are compared case-insensitively; this is the form they are compared in. */
export function nameKey(name: string): string {
  return name.toLowerCase();
}
