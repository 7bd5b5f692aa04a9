/** An error as one line for a row or a progress line: its message, whitespace collapsed, at most 500 characters. */
export function errorMessage(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.replace(/\s+/g, ' ').trim().slice(0, 500);
}
