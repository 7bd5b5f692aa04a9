/**
 * A streaming client against a misbehaving server: each fault fails its own request with a message that
 * names the endpoint and what went wrong, and the other requests of the load run complete. Timeouts only
 * guard hangs; nothing here asserts speed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamRequest, type ClientKind } from '../suites/inference/client.ts';
import { FAULT_500_BODY, FAULT_BAD_JSON, FAULT_HTML, FAULTS, type Fault } from '../suites/inference/fault-server.ts';
import { runLoad } from '../suites/inference/load.ts';
import { startMockServer, type MockServer } from '../suites/inference/mock-server.ts';
import { SseLines, quote } from '../suites/inference/sse.ts';

/** Idle timeout of a request meeting a silent fault, short so it ends soon. */
const IDLE_MS = 300;
const SILENT: readonly Fault[] = ['silent', 'stall'];
const MAX_TOKENS = 16;

let mock: MockServer;
let url: string;
beforeAll(async () => {
  // A request asks for a fault by naming it as its model.
  mock = await startMockServer({ ttftMs: 1, itlMs: 1, fault: (b) => FAULTS.find((f) => f === b.model) });
  url = `${mock.baseURL}/chat/completions`;
});
afterAll(() => mock.close());

const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** What each client makes of each fault (undefined: the client cannot see it), and the chunks kept before it. */
const EXPECTED: Record<Fault, { fetch: RegExp; openai?: RegExp; chunks: number | 'some' }> = {
  silent: { fetch: /^no data for 300 ms$/, openai: /^no data for 300 ms$/, chunks: 0 },
  'http-500': { fetch: new RegExp(`^HTTP 500: ${literal(FAULT_500_BODY)}$`), openai: /^500 model crashed$/, chunks: 0 },
  'not-openai': {
    fetch: new RegExp(`^HTTP 200 answer is not an event stream \\(content-type text/html\\): ${literal(JSON.stringify(FAULT_HTML))}$`),
    openai: /^stream ended without content$/,
    chunks: 0,
  },
  stall: { fetch: /^no data for 300 ms$/, openai: /^no data for 300 ms$/, chunks: 3 },
  // Chunks still queued when the connection drops may be discarded with the stream.
  cut: { fetch: /^terminated: other side closed/, openai: /^terminated: other side closed/, chunks: 'some' },
  // The SDK ends its iteration at the end of the response whether or not [DONE] came.
  'no-done': { fetch: /^stream ended without \[DONE\] after 3 tokens \(connection closed\)$/, chunks: 3 },
  'bad-json': {
    fetch: new RegExp(`^a chunk is not JSON \\(.+\\): ${literal(JSON.stringify(FAULT_BAD_JSON))}$`),
    // The SDK parses chunks itself and keeps the text from us (it logs it to stderr).
    openai: /^a chunk is not JSON \(.+\)$/,
    chunks: 3,
  },
  // fetch sees the event line outgrow the bound before it ends; the SDK hands over the whole chunk.
  'huge-chunk': {
    fetch: new RegExp(`^an event line of over ${MAX_TOKENS * 256 * 64} characters, more than max_tokens=${MAX_TOKENS} can produce$`),
    openai: new RegExp(`^more text than max_tokens=${MAX_TOKENS} can produce: over ${MAX_TOKENS * 256} characters \\(256 per token at most\\)$`),
    chunks: 3,
  },
};

describe('faults of a misbehaving server', () => {
  for (const fault of FAULTS) {
    for (const kind of ['fetch', 'openai'] as const satisfies readonly ClientKind[]) {
      const expected = EXPECTED[fault][kind];
      if (!expected) continue;
      it(`${kind}: ${fault} fails its own request, the others complete`, { timeout: 60_000 }, async () => {
        // Request 1 of 4 meets the fault. Only the silent ones need a short idle timeout; the others' only
        // guard hangs, far from what a busy machine could take.
        const idleTimeoutMs = (i: number) => (i === 1 && SILENT.includes(fault) ? IDLE_MS : 30_000);
        const send = (i: number, signal: AbortSignal) =>
          streamRequest(kind, { baseURL: mock.baseURL, model: i === 1 ? fault : mock.model, messages: [{ role: 'user', content: 'hi' }], maxTokens: MAX_TOKENS, ignoreEos: true, timeoutMs: 30_000, idleTimeoutMs: idleTimeoutMs(i), signal });
        const out = await runLoad(send, { concurrency: 2, seed: 1, requests: 4, durationMs: 3_600_000, warmup: 0 });
        expect(out.records).toHaveLength(4);
        const bad = out.records[1];
        const good = out.records.filter((_, i) => i !== 1);
        const suffix = ` (at ${url})`;
        expect(bad.error?.endsWith(suffix), bad.error).toBe(true);
        expect(bad.error!.slice(0, -suffix.length)).toMatch(expected);
        const { chunks } = EXPECTED[fault];
        if (chunks === 'some') expect(bad.chunkTimes.length).toBeLessThanOrEqual(3);
        else expect(bad.chunkTimes).toHaveLength(chunks);
        expect(bad.text.length).toBeLessThanOrEqual(3 * ' tok0'.length);
        for (const r of good) {
          expect(r.error).toBeUndefined();
          expect(r.chunkTimes).toHaveLength(MAX_TOKENS);
        }
      });
    }
  }

  it('fetch: many ordinary chunks past what max_tokens can produce fail the request', async () => {
    // A server ignoring max_tokens: 3 chunks of 200 characters for max_tokens=1 (256 characters at most).
    const events = [0, 1, 2].map((i) => `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: String(i).repeat(200) } }] })}\n\n`);
    const fake = (async () => new Response(events.join('') + 'data: [DONE]\n\n')) as typeof fetch;
    const r = await streamRequest('fetch', { baseURL: 'http://replay.invalid/v1', model: 'm', messages: [{ role: 'user', content: 'x' }], maxTokens: 1, timeoutMs: 5000, fetch: fake });
    expect(r.error).toBe('more text than max_tokens=1 can produce: over 256 characters (256 per token at most) (at http://replay.invalid/v1/chat/completions)');
    expect(r.text).toBe('0'.repeat(200));
  });
});

describe('SSE lines', () => {
  it('joins a line spread over reads, strips CR, keeps only data lines, quotes the head', () => {
    const sse = new SseLines();
    expect(sse.push(': comment\ndata: {"a"')).toEqual([]);
    expect(sse.pending).toBe('data: {"a"'.length);
    expect(sse.push(':1}\r')).toEqual([]);
    expect(sse.push('\n\r\ndata: [DONE]')).toEqual(['{"a":1}']);
    expect(sse.endsWithDone()).toBe(true);
    expect(sse.sawData).toBe(true);
    expect(sse.head).toBe(': comment\ndata: {"a":1}\r\n\r\ndata: [DONE]');
  });

  it('quote keeps the first 80 characters, escaped, and marks a cut', () => {
    expect(quote('a\nb')).toBe('"a\\nb"');
    expect(quote('x'.repeat(81))).toBe(`"${'x'.repeat(80)}"…`);
  });
});
