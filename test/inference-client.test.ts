import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkReachable, streamRequest, replayOverhead } from '../common/inference/client.ts';
import { runLoad } from '../common/inference/load.ts';
import { startMockServer, type MockServer } from '../common/inference/mock-server.ts';
import { tsxImport } from '../common/inference/targets.ts';
import { closedPort } from './inference-helpers.ts';

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
      const t0 = performance.now();
      const r = await streamRequest(kind, { baseURL: `http://127.0.0.1:${port}/v1`, model: 'm', prompt: 'x', maxTokens: 3, timeoutMs: 5000 });
      expect(r.error).toMatch(/ECONNREFUSED/);
      expect(performance.now() - t0).toBeLessThan(4000);
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
        const inflight = Promise.all([0, 1, 2].map(() => streamRequest(kind, { baseURL: s.baseURL, model: s.model, prompt: 'x', maxTokens: 500, timeoutMs: 20_000 })));
        setTimeout(() => s.killConnections(), 100);
        const records = await inflight;
        for (const r of records) {
          expect(r.error).toBeTruthy();
          expect(r.chunkTimes.length).toBeGreaterThan(0);
          expect(r.chunkTimes.length).toBeLessThan(500);
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
      const us = await replayOverhead(kind, 64, 3);
      expect(us).toHaveLength(3);
      for (const x of us) expect(x).toBeGreaterThan(0);
    }
  });
});

describe('a server process killed mid-run', () => {
  it('in-flight requests become errors and the load run ends (nothing hangs)', async () => {
    const script = fileURLToPath(new URL('../common/inference/mock-server.ts', import.meta.url));
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
      const send = (_i: number, signal: AbortSignal) => streamRequest('fetch', { baseURL: info.baseURL, model: info.model, prompt: 'x', maxTokens: 400, timeoutMs: 15_000, signal });
      setTimeout(() => child.kill('SIGKILL'), 600);
      const t0 = performance.now();
      const out = await runLoad(send, { concurrency: 2, seed: 1, requests: 6, durationMs: 30_000, warmup: 0 });
      expect(performance.now() - t0).toBeLessThan(10_000);
      const errors = out.records.filter((r) => r.error);
      expect(errors.length).toBeGreaterThanOrEqual(2);
      // Cut mid-stream (some tokens arrived), or refused once the process was gone.
      expect(errors.some((r) => r.chunkTimes.length > 0)).toBe(true);
      for (const r of errors) expect(r.error).toMatch(/other side closed|ECONNREFUSED|ECONNRESET|terminated|socket/i);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
