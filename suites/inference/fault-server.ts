/**
 * Misbehaving answers for the mock server (its `fault` option picks one per request), one for each way a
 * server has been seen to fail a streaming client. Mid-stream faults come after a few good content
 * chunks, so the client has started reading when things go wrong.
 */
import type { ServerResponse } from 'node:http';

export const FAULTS = [
  /** Accepts the request and never answers (no status line, socket kept open). */
  'silent',
  /** HTTP 500 with a JSON error body. */
  'http-500',
  /** 200 with an HTML page instead of an event stream (a proxy's or web server's default page). */
  'not-openai',
  /** A few chunks, then silence with the connection open. */
  'stall',
  /** A few chunks, then the connection is destroyed. */
  'cut',
  /** A few chunks, then a clean end of response without `data: [DONE]`. */
  'no-done',
  /** A few chunks, then one whose data is not JSON. */
  'bad-json',
  /** A few chunks, then one carrying HUGE_CHUNK_CHARS of content. */
  'huge-chunk',
] as const;
export type Fault = (typeof FAULTS)[number];

export const CHUNKS_BEFORE_FAULT = 3;
export const HUGE_CHUNK_CHARS = 8 * 1024 * 1024;
export const FAULT_500_BODY = '{"error":{"message":"model crashed"}}';
export const FAULT_HTML = '<html><body><h1>It works!</h1></body></html>';
/** Single quotes, as a Python server's repr() would write it. */
export const FAULT_BAD_JSON = "{'choices': [{'index': 0, 'delta': {'content': ' x'}}]}";

/** Answers a streaming request with `fault`; `chunk(text)` is one content chunk in the endpoint's format. */
export function serveFault(fault: Fault, res: ServerResponse, chunk: (text: string) => unknown): void {
  if (fault === 'silent') return;
  if (fault === 'http-500') return void res.writeHead(500, { 'content-type': 'application/json' }).end(FAULT_500_BODY);
  if (fault === 'not-openai') return void res.writeHead(200, { 'content-type': 'text/html' }).end(FAULT_HTML);
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const event = (data: string) => `data: ${data}\n\n`;
  for (let i = 0; i < CHUNKS_BEFORE_FAULT; i++) res.write(event(JSON.stringify(chunk(` tok${i}`))));
  if (fault === 'stall') return;
  if (fault === 'no-done') return void res.end();
  // Destroyed once the chunks are flushed, so the client has them before the connection goes.
  if (fault === 'cut') return void res.write('', () => res.destroy());
  const bad = fault === 'bad-json' ? FAULT_BAD_JSON : JSON.stringify(chunk('x'.repeat(HUGE_CHUNK_CHARS)));
  res.end(event(bad) + event('[DONE]'));
}
