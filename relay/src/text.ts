// Small string helpers for what the relay writes to sockets and logs.

const utf8 = new TextEncoder();

/** `text` cut to at most `maxBytes` UTF-8 bytes, never splitting a character. */
export function clip(text: string, maxBytes: number): string {
  if (utf8.encode(text).length <= maxBytes) return text;
  let out = '';
  let used = 0;
  for (const ch of text) {
    const n = utf8.encode(ch).length;
    if (used + n > maxBytes - 3) break;
    out += ch;
    used += n;
  }
  return `${out}...`;
}

/**
 * The parts of an error that are safe to log: its kind, message, code and stack.
 * Other properties are left out because adapters may hang request data (bytes, tokens) on their errors.
 */
export function describeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { type: typeof err };
  const code = (err as { code?: unknown }).code;
  return {
    type: err.name,
    message: err.message,
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    stack: err.stack,
  };
}
