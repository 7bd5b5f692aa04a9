/**
 * The `data:` lines of a server-sent event stream, in time linear in its size: each read is searched once
 * for line ends, and a line spread over many reads is joined once, when it ends (searching the whole
 * buffer again on every read is quadratic in one huge event). Lines are handled one by one, so where the
 * blank line between events falls does not matter.
 */
export class SseLines {
  /** The line still without its end (a rope of reads; its length costs nothing). */
  private partial = '';
  /** The response's first characters, to quote when it is not an event stream. */
  head = '';
  sawData = false;

  /** Adds a decoded read; returns the payload of every `data:` line it completed. */
  push(text: string): string[] {
    if (this.head.length < QUOTED) this.head += text.slice(0, QUOTED - this.head.length);
    const out: string[] = [];
    let from = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
      const line = this.partial + text.slice(from, nl);
      this.partial = '';
      from = nl + 1;
      if (line.startsWith('data:')) out.push(line.slice(5).trim());
    }
    this.partial += text.slice(from);
    if (out.length > 0) this.sawData = true;
    return out;
  }

  /** Length of the line still without its end. */
  get pending(): number {
    return this.partial.length;
  }

  /** At the end of the stream: whether the unterminated last line is a bare [DONE] (lenient servers). */
  endsWithDone(): boolean {
    return /^data:\s*\[DONE\]\s*$/.test(this.partial);
  }
}

/** Characters of a response or chunk quoted in an error message. */
const QUOTED = 80;

/** The first characters of `text`, JSON-quoted (control characters visible), with … when cut. */
export function quote(text: string): string {
  return JSON.stringify(text.slice(0, QUOTED)) + (text.length > QUOTED ? '…' : '');
}

/** A data payload parsed as JSON, or an error that quotes it. */
export function parseData(data: string): any {
  try {
    return JSON.parse(data);
  } catch (err) {
    throw new Error(`a chunk is not JSON (${(err as Error).message}): ${quote(data)}`);
  }
}
