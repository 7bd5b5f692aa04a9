/**
 * Streaming detokenization: one text delta per generated token, exact at UTF-8 boundaries.
 *
 * Byte-level BPE tokens are byte strings; a multi-byte character can be split across tokens, and
 * random weights split them often. Decoding each token alone would emit U+FFFD replacement
 * characters, so we map every token to its raw bytes (GPT-2's byte↔unicode table) and run them
 * through one streaming TextDecoder per request: a delta holds exactly the characters completed by
 * that token (possibly ""), and the concatenated deltas equal the decoded whole. Special (control)
 * tokens produce no text, as with vLLM's default `skip_special_tokens`.
 */

/** GPT-2's `bytes_to_unicode`, inverted: printable stand-in character → byte. */
function unicodeToByte(): Map<string, number> {
  const bytes: number[] = [];
  for (let b = 33; b <= 126; b++) bytes.push(b);
  for (let b = 161; b <= 172; b++) bytes.push(b);
  for (let b = 174; b <= 255; b++) bytes.push(b);
  const chars = bytes.map((b) => String.fromCharCode(b));
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bytes.includes(b)) {
      bytes.push(b);
      chars.push(String.fromCharCode(256 + n++));
    }
  }
  return new Map(chars.map((c, i) => [c, bytes[i]]));
}

export class TokenBytes {
  private readonly table = unicodeToByte();
  private readonly cache = new Map<number, Uint8Array>();
  private static readonly EMPTY = new Uint8Array(0);

  /** `tokens[id]` is the vocabulary string; `special[id]` marks control tokens (no text). */
  constructor(private readonly tokens: readonly string[], private readonly special: (id: number) => boolean) {}

  bytes(id: number): Uint8Array {
    const cached = this.cache.get(id);
    if (cached) return cached;
    const s = this.tokens[id];
    let b = TokenBytes.EMPTY;
    if (s !== undefined && !this.special(id)) {
      const out: number[] = [];
      for (const ch of s) {
        const byte = this.table.get(ch);
        // Not a byte-level symbol (should not happen in a byte-level vocabulary): keep its UTF-8.
        if (byte === undefined) out.push(...Buffer.from(ch, 'utf8'));
        else out.push(byte);
      }
      b = Uint8Array.from(out);
    }
    this.cache.set(id, b);
    return b;
  }

  /** A per-request decoder: `push(id)` returns the text completed by that token. */
  stream(): { push(id: number): string; end(): string } {
    const decoder = new TextDecoder('utf-8', { fatal: false });
    return {
      push: (id) => decoder.decode(this.bytes(id), { stream: true }),
      end: () => decoder.decode(),
    };
  }

  decode(ids: readonly number[]): string {
    const s = this.stream();
    return ids.map((id) => s.push(id)).join('') + s.end();
  }
}
