import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkReachable, streamRequest, replayOverhead } from '../suites/inference/client.ts';
import { runLoad } from '../suites/inference/load.ts';
import { startMockServer, type MockServer } from '../suites/inference/mock-server.ts';
import { tsxImport } from '../suites/inference/targets.ts';
import { closedPort, fetchNotifyingFirstContent } from './inference-helpers.ts';

let mock: MockServer;
beforeAll(async () => {
  mock = await startMockServer({ ttftMs: 5, itlMs: 1 });
});
afterAll(() => mock.close());

describe('streaming clients against an OpenAI-compatible server', () => {
  for (const kind of ['fetch', 'openai'] as const) {
    it(`${kind}: chat completion, one timestamp per token, usage and backend timings kept`, async () => {
      const r = await streamRequest(kind, { baseURL: mock.baseURL, model: mock.model, messages: [{ role: 'user', content: 'hi' }], maxTokens: 6, ignoreEos: true, timeoutMs: 5000 });
      expect(r.error).toBeUndefined();
      expect(r.chunkTimes).toHaveLength(6);
      expect(r.text).toBe(' alpha beta gamma delta kappa sigma');
      expect(r.usage?.completion_tokens).toBe(6);
      expect(r.timings?.predicted_n).toBe(6);
      expect(r.chunkTimes[0]).toBeGreaterThanOrEqual(r.start);
      const body = mock.requests[mock.requests.length - 1];
      expect(body).toMatchObject({ stream: true, ignore_eos: true, max_tokens: 6, stream_options: { include_usage: true } });
    });

    it(`${kind}: completion with a token-id prompt`, async () => {
      const r = await streamRequest(kind, { baseURL: mock.baseURL, model: mock.model, prompt: [128000, 9906, 1917], maxTokens: 3, timeoutMs: 5000 });
      expect(r.error).toBeUndefined();
      expect(r.chunkTimes).toHaveLength(3);
      expect(mock.requests[mock.requests.length - 1].prompt).toEqual([128000, 9906, 1917]);
    });

    it(`${kind}: a dead target is an error naming the cause, at once`, async () => {
      const port = await closedPort();
      // "At once" by cause, not by clock: the timeouts are far beyond the test's own, so only the refused
      // connection can end the request (waiting for a timeout would fail the test by its timeout).
      const r = await streamRequest(kind, { baseURL: `http://127.0.0.1:${port}/v1`, model: 'm', prompt: 'x', maxTokens: 3, timeoutMs: 3_600_000, idleTimeoutMs: 3_600_000 });
      expect(r.error).toMatch(/ECONNREFUSED/);
      expect(r.error).not.toMatch(/no data|timeout|timed out/i);
      expect(r.chunkTimes).toEqual([]);
    });

    it(`${kind}: a server silent for longer than the idle timeout is an error, not a hang`, async () => {
      const slow = await startMockServer({ ttftMs: 10_000 });
      try {
        const r = await streamRequest(kind, { baseURL: slow.baseURL, model: slow.model, prompt: 'x', maxTokens: 3, timeoutMs: 20_000, idleTimeoutMs: 300 });
        expect(r.error).toMatch(/no data for 300 ms/);
      } finally {
        await slow.close();
      }
    });

    it(`${kind}: connections dropped mid-stream make the in-flight requests errors`, async () => {
      const s = await startMockServer({ ttftMs: 1, itlMs: 5 });
      try {
        // Dropped once every stream has delivered content (an event, not a delay): each record then has
        // some but not all of its 2000 tokens (10 s of stream), and an error.
        let started = 0;
        const onContent = () => {
          if (++started === 3) s.killConnections();
        };
        const records = await Promise.all([0, 1, 2].map(() => streamRequest(kind, { baseURL: s.baseURL, model: s.model, prompt: 'x', maxTokens: 2000, timeoutMs: 3_600_000, fetch: fetchNotifyingFirstContent(onContent) })));
        expect(started).toBe(3);
        for (const r of records) {
          expect(r.error).toMatch(/^terminated: other side closed/);
          expect(r.chunkTimes.length).toBeGreaterThanOrEqual(1);
          expect(r.chunkTimes.length).toBeLessThan(2000);
        }
      } finally {
        await s.close();
      }
    });
  }

  it('SSE framing: LF, CRLF, mixed line ends, bytes split anywhere, a final event without its blank line', async () => {
    const enc = new TextEncoder();
    const events = [0, 1, 2].map((i) => `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: ` t${i}` } }] })}`).concat('data: [DONE]');
    const cases: [string, string, boolean][] = [
      ['lf', events.join('\n\n') + '\n\n', false],
      ['crlf', events.join('\r\n\r\n') + '\r\n\r\n', false],
      ['mixed', events.join('\r\n\n') + '\r\n\n', false],
      ['no final blank line', events.join('\n\n'), false],
      ['one byte per read', events.join('\n\n') + '\n\n', true],
    ];
    for (const [name, body, split] of cases) {
      const bytes = enc.encode(body);
      const parts = split ? Array.from(bytes, (_, i) => bytes.slice(i, i + 1)) : [bytes];
      const fake = (async () => {
        let i = 0;
        return new Response(new ReadableStream<Uint8Array>({ pull: (c) => (i < parts.length ? c.enqueue(parts[i++]) : c.close()) }));
      }) as typeof fetch;
      const r = await streamRequest('fetch', { baseURL: 'http://replay.invalid/v1', model: 'm', messages: [{ role: 'user', content: 'x' }], maxTokens: 3, timeoutMs: 5000, fetch: fake });
      expect(r.error, name).toBeUndefined();
      expect(r.text, name).toBe(' t0 t1 t2');
      expect(r.chunkTimes, name).toHaveLength(3);
    }
  });

  it('checkReachable names the target and the cause', async () => {
    const port = await closedPort();
    await expect(checkReachable(`http://127.0.0.1:${port}/v1`)).rejects.toThrow(new RegExp(`target http://127.0.0.1:${port}/v1 unreachable: .*ECONNREFUSED`));
    await expect(checkReachable(mock.baseURL)).resolves.toBeUndefined();
  });

  it('replayed client overhead per chunk is measured for both clients', async () => {
    for (const kind of ['fetch', 'openai'] as const) {
      // A fake clock read before and after each repetition: they take 1, 3 (the two warm-ups), 5, 7, 9 ms;
      // over 64 chunks the last three are 78.125, 109.375 and 140.625 µs per chunk.
      const readings = [0, 1, 10, 13, 20, 25, 30, 37, 40, 49];
      const fake = () => readings.shift()!;
      expect(await replayOverhead(kind, 64, 3, true, fake), kind).toEqual([78.125, 109.375, 140.625]);
      expect(readings).toEqual([]);
      // Real clock: positive, and the repetitions fit inside the call.
      const t0 = performance.now();
      const us = await replayOverhead(kind, 64, 3);
      const callMs = performance.now() - t0;
      expect(us).toHaveLength(3);
      for (const x of us) expect(x).toBeGreaterThan(0);
      expect(us.reduce((a, b) => a + b, 0) * 64 / 1000).toBeLessThanOrEqual(callMs);
    }
  });
});

describe('a server process killed mid-run', () => {
  it('in-flight requests become errors and the load run ends (nothing hangs)', async () => {
    const script = fileURLToPath(new URL('../suites/inference/mock-server.ts', import.meta.url));
    const child = spawn(process.execPath, [...tsxImport(), script, '--port', '0', '--ttft', '1', '--itl', '5'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const info = await new Promise<{ baseURL: string; model: string }>((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (d) => {
          out += d;
          if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]));
        });
        child.once('exit', (c) => reject(new Error(`mock exited ${c}`)));
      });
      // Killed once requests 0 and 1 (the first two in flight) have both received content — an event, not
      // a delay. Their streams (400 tokens, 2 s) are cut; requests 2–5, sent once the process has exited,
      // find the port closed. The timeouts are far beyond the test's own: only the kill can end the run.
      const exited = new Promise((resolve) => child.once('exit', resolve));
      let started = 0;
      const onContent = () => {
        if (++started === 2) child.kill('SIGKILL');
      };
      const send = async (i: number, signal: AbortSignal) => {
        if (i >= 2) await exited;
        return streamRequest('fetch', { baseURL: info.baseURL, model: info.model, prompt: 'x', maxTokens: 400, timeoutMs: 3_600_000, signal, fetch: i < 2 ? fetchNotifyingFirstContent(onContent) : undefined });
      };
      const out = await runLoad(send, { concurrency: 2, seed: 1, requests: 6, durationMs: 3_600_000, warmup: 0 });
      expect(out.records).toHaveLength(6);
      const [cut, refused] = [out.records.slice(0, 2), out.records.slice(2)];
      for (const r of cut) {
        expect(r.error).toMatch(/^terminated: other side closed/);
        expect(r.chunkTimes.length).toBeGreaterThanOrEqual(1);
        expect(r.chunkTimes.length).toBeLessThan(400);
      }
      for (const r of refused) {
        expect(r.error).toMatch(/ECONNREFUSED/);
        expect(r.chunkTimes).toEqual([]);
      }
    } finally {
      child.kill('SIGKILL');
    }
  });
});
