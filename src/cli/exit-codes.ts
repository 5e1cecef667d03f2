/**
 * What `litetts`'s exit status means, for scripts (the README's table says the same).
 * Usage errors that commander reports (an unknown option, a missing argument) are refusals too.
 */
export const EXIT = {
  /** Done as asked. */
  ok: 0,
  /** Ran, but what it looked at is not complete: `models list` of a missing or broken install, an import that installed nothing. */
  incomplete: 1,
  /** Refused: a wrong flag, value or config file, an unknown voice, a name already taken. */
  refused: 2,
  /** `voices clone`: the reference audio cannot be cloned from (too short, silent, clipped). */
  unusableAudio: 3,
  /** A download failed (no network, a name that cannot be looked up, an HTTP error): try a mirror or local files. */
  downloadFailed: 4,
} as const;
