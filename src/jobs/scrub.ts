/** Longest message a failed job shows. */
const MAX_MESSAGE = 500;

/**
 * The message of an unexpected error as a failed job shows it to API clients: its first line
 * (no stack), with every word that looks like a file path or URL of a file (absolute,
 * home- or dot-relative, a drive path, node_modules) replaced by `<path>`, and bounded in
 * length. Jobs' errors are data, not answers, so the HTTP error handler's scrubbing does not
 * reach them; the runner applies this one.
 */
export function scrubMessage(message: string): string {
  const line = (message.split('\n', 1)[0] ?? '').slice(0, 4 * MAX_MESSAGE);
  const scrubbed = line.replace(/[^\s'"`()<>]+/g, (word) =>
    /^(file:.|[A-Za-z]:[\\/]|~?\.{0,2}[\\/])/.test(word) || word.includes('node_modules') ? '<path>' : word,
  );
  return scrubbed.length > MAX_MESSAGE ? `${scrubbed.slice(0, MAX_MESSAGE)}…` : scrubbed;
}
