/**
 * Inference targets are untrusted: a redirect is never followed (the request fails naming where it
 * pointed, and the other origin sees nothing — no request, no key), credentials written into a target URL
 * are used as Basic auth but appear in no output file, and numbers out of their range exit 2.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasFigure } from '../common/results/results.ts';
import { CLIENTS, checkReachable, listModels, streamRequest } from '../suites/inference/client.ts';
import { runLoad } from '../suites/inference/load.ts';
import { startMockServer, type MockServer } from '../suites/inference/mock-server.ts';
import { cli, onlyRun, readCsv, tempDir } from './helpers.ts';
import { closedPort } from './inference-helpers.ts';

const API_KEY = 'sk-prepbench-untrusted-test';

interface Redirector {
  baseURL: string;
  received: { method: string; url: string; authorization?: string }[];
  close(): Promise<void>;
}

/**
 * A target that answers every request with `status` and a Location on `to`'s origin (same path), or
 * `location` when given; with `serveModels` it answers GET /v1/models itself, so a run gets as far as
 * streaming requests.
 */
async function startRedirector(status: number, to: string, opts: { serveModels?: boolean; location?: string } = {}): Promise<Redirector> {
  const received: Redirector['received'] = [];
  const server: Server = createServer((req, res) => {
    const headers: IncomingHttpHeaders = req.headers;
    received.push({ method: req.method ?? '', url: req.url ?? '', authorization: headers.authorization });
    req.resume();
    if (opts.serveModels && req.method === 'GET' && req.url === '/v1/models') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [{ id: 'm', object: 'model' }] }));
      return;
    }
    res.writeHead(status, { location: opts.location ?? new URL(req.url ?? '/', to).href }).end('moved');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    received,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** The other origin a redirect points to: a working server, so a followed redirect would succeed there. */
let other: MockServer;
const previousKey = process.env.OPENAI_API_KEY;
beforeAll(async () => {
  other = await startMockServer({ ttftMs: 1, itlMs: 1 });
  process.env.OPENAI_API_KEY = API_KEY;
});
afterAll(async () => {
  await other.close();
  if (previousKey === undefined) delete process.env.OPENAI_API_KEY;
  else process.env.OPENAI_API_KEY = previousKey;
});

describe('a redirecting target', () => {
  for (const kind of CLIENTS) {
    for (const status of [302, 307]) {
      it(`${kind}: a ${status} is a failed request naming the Location; the other origin gets nothing`, async () => {
        const moved = await startRedirector(status, other.baseURL);
        try {
          const r = await streamRequest(kind, { baseURL: moved.baseURL, model: 'm', messages: [{ role: 'user', content: 'hi' }], maxTokens: 4, timeoutMs: 3_600_000, idleTimeoutMs: 3_600_000 });
          expect(r.error).toBe(`target answered ${status} redirect to ${other.baseURL}/chat/completions; redirects are not followed (at ${moved.baseURL}/chat/completions)`);
          expect(r.chunkTimes).toEqual([]);
          // The key goes to the configured origin, once; nothing reaches the other one.
          expect(moved.received).toEqual([{ method: 'POST', url: '/v1/chat/completions', authorization: kind === 'openai' ? `Bearer ${API_KEY}` : 'Bearer prepbench' }]);
          expect(other.received).toEqual([]);
        } finally {
          await moved.close();
        }
      });
    }
  }

  it('the model-list and reachability probes refuse a redirect too, naming it; credentials in a Location are hidden', async () => {
    const moved = await startRedirector(301, other.baseURL);
    const sneaky = await startRedirector(308, other.baseURL, { location: 'http://x:y@127.0.0.1:9/v1/models' });
    try {
      const message = `target answered 301 redirect to ${other.baseURL}/models; redirects are not followed (at ${moved.baseURL}/models)`;
      await expect(checkReachable(moved.baseURL)).rejects.toThrow(new Error(message));
      await expect(listModels(moved.baseURL)).rejects.toThrow(new Error(message));
      await expect(checkReachable(sneaky.baseURL)).rejects.toThrow(new Error(`target answered 308 redirect to http://***@127.0.0.1:9/v1/models; redirects are not followed (at ${sneaky.baseURL}/models)`));
      expect(moved.received.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /v1/models', 'GET /v1/models']);
      expect(other.received).toEqual([]);
    } finally {
      await Promise.all([moved.close(), sneaky.close()]);
    }
  });

  it('a run: error rows name the redirect for both clients and for the probe; the other origin gets no request and no key', async () => {
    const streams = await startRedirector(307, other.baseURL, { serveModels: true });
    const probe = await startRedirector(302, other.baseURL);
    try {
      const dir = tempDir();
      const cfg = join(dir, 'moved.yaml');
      writeFileSync(
        cfg,
        `targets:\n  - { name: moved-fetch, url: "${streams.baseURL}", client: fetch }\n  - { name: moved-openai, url: "${streams.baseURL}", client: openai }\n  - { name: moved-probe, url: "${probe.baseURL}", model: m }\nconcurrency: [1]\nrequests: 2\nwarmup: 0\n`,
      );
      const out = tempDir();
      const r = await cli('--exp', '5', '--quick', '--runs', '1', '--no-progress', '--config', cfg, '--out', out);
      expect(r.code).toBe(1);
      const errors = readCsv(join(onlyRun(out), 'results.csv')).filter((x) => x.status === 'error');
      const redirect = `target answered 307 redirect to ${other.baseURL}/chat/completions; redirects are not followed (at ${streams.baseURL}/chat/completions)`;
      expect(errors.map((e) => [e.target, e.metric, e.error]).sort()).toEqual([
        ['moved-fetch', 'request_errors', `target moved-fetch: 2 of 2 requests failed; ${redirect}`],
        ['moved-openai', 'request_errors', `target moved-openai: 2 of 2 requests failed; ${redirect}`],
        ['moved-probe', 'point', `target answered 302 redirect to ${other.baseURL}/models; redirects are not followed (at ${probe.baseURL}/models)`],
      ]);
      // The openai client sent OPENAI_API_KEY to the configured origin only.
      expect(streams.received.filter((x) => x.method === 'POST').map((x) => x.authorization).sort()).toEqual(['Bearer prepbench', 'Bearer prepbench', `Bearer ${API_KEY}`, `Bearer ${API_KEY}`]);
      expect(other.received).toEqual([]);
      expect(other.received.filter((x) => x.headers.authorization !== undefined)).toEqual([]);
    } finally {
      await Promise.all([streams.close(), probe.close()]);
    }
  });
});

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/**
 * What of a file could hold text: all of it, but for a PNG the chunks beside its pixel data (IDAT is
 * compressed pixels, where any two bytes turn up by chance; the PNG is drawn from the SVG, checked whole).
 */
function textOf(path: string): string {
  const bytes = readFileSync(path);
  if (!path.endsWith('.png')) return bytes.toString('latin1');
  const parts: string[] = [];
  for (let at = 8; at + 8 <= bytes.length; ) {
    const length = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    if (type !== 'IDAT') parts.push(type, bytes.toString('latin1', at + 8, at + 8 + length));
    at += 12 + length;
  }
  return parts.join('\n');
}

/** The real CLI in its own process, so env.json records these arguments (in-process it records vitest's). */
function bench(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/bench.ts', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('credentials in a target URL', () => {
  let mock: MockServer;
  beforeAll(async () => {
    mock = await startMockServer({ ttftMs: 1, itlMs: 1 });
  });
  afterAll(() => mock.close());
  const basic = `Basic ${Buffer.from('u:p').toString('base64')}`;

  for (const kind of CLIENTS) {
    it(`${kind}: userinfo is sent as Basic auth, the request goes to the URL without it`, async () => {
      const from = mock.received.length;
      const r = await streamRequest(kind, { baseURL: mock.baseURL.replace('//', '//u:p@'), model: mock.model, prompt: 'x', maxTokens: 2, timeoutMs: 3_600_000 });
      expect(r.error).toBeUndefined();
      expect(mock.received.slice(from).map((x) => [x.method, x.url, x.headers.authorization])).toEqual([['POST', '/v1/completions', basic]]);
    });
  }

  it('a run with --target http://u:p@…: measured with Basic auth, and no file of the run folder holds the credentials', async () => {
    const out = tempDir();
    const target = mock.baseURL.replace('//', '//u:p@');
    const from = mock.received.length;
    const r = await bench(['--exp', '5', '--quick', '--runs', '1', '--no-progress', '--target', target, '--slo', 'ttft=1000,tpot=1000', '--out', out]);
    expect(r.code).toBe(0);
    const dir = onlyRun(out);
    const shown = mock.baseURL.replace('//', '//***@');
    const ttft = readCsv(join(dir, 'results.csv')).filter((x) => x.metric === 'ttft');
    expect(ttft.map((x) => x.target)).toEqual([shown, shown, shown]);
    expect(ttft.every((x) => hasFigure(x.status))).toBe(true);
    expect(mock.received.slice(from).every((x) => x.headers.authorization === basic)).toBe(true);
    const files = filesUnder(dir);
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual(
      expect.arrayContaining(['5-throughput-ttft.png', '5-throughput-ttft.svg', '5-throughput-ttft.vl.json', 'env.json', 'inference-summary.json', 'inference-summary.md', 'replicates.csv', 'report.html', 'results.csv', 'samples.jsonl', 'summary.md']),
    );
    // The user, the password before the host, or both: a bare 'p@' is in every report ('node-llama-cpp@3.21.1').
    for (const f of files) {
      const text = textOf(f);
      for (const secret of ['u:p', ':p@', 'p@127.0.0.1']) expect(text.includes(secret), `${f} holds ${secret}`).toBe(false);
    }
    expect(r.stderr).not.toContain('u:p');
    // Recorded all the same, without the credentials.
    const env = JSON.parse(readFileSync(join(dir, 'env.json'), 'utf8'));
    expect(env.argv).toContain(shown);
    expect(env.options.target).toBe(shown);
  }, 120_000);
});

describe('numbers out of range exit 2 naming the field, the value and the range', () => {
  // Were a value let through, the run would be short: one unreachable target.
  let dead: string;
  beforeAll(async () => {
    dead = `http://127.0.0.1:${await closedPort()}/v1`;
  });
  const cases: [string, string][] = [
    ['timeout_s: 1e12\n', 'timeout_s: must be a number > 0 and ≤ 86400 (seconds), got 1000000000000'],
    ['concurrency: [1, -4]\n', 'concurrency[1]: must be a whole number from 1 to 4096, got -4'],
    ['duration_s: 1e9\n', 'duration_s: must be a number > 0 and ≤ 86400 (seconds), got 1000000000'],
    ['rate: [0]\n', 'rate[0]: must be a number > 0 and ≤ 100000 (requests/s), got 0'],
  ];
  for (const [yaml, message] of cases) {
    it(yaml.trim(), async () => {
      const cfg = join(tempDir(), 'bench.yaml');
      writeFileSync(cfg, `targets:\n  - { url: "${dead}", model: m }\nrequests: 1\nwarmup: 0\n${yaml}`);
      const r = await cli('--exp', '5', '--quick', '--runs', '1', '--no-progress', '--config', cfg, '--out', tempDir());
      expect(r.stderr).toBe(`error: ${cfg}: ${message}\n`);
      expect(r.code).toBe(2);
    });
  }

  it('a flag: --load-workers 1000', async () => {
    const r = await cli('--exp', '5', '--quick', '--runs', '1', '--no-progress', '--target', dead, '--model', 'm', '--load-workers', '1000', '--out', tempDir());
    expect(r.stderr).toBe("error: --load-workers: must be a whole number from 1 to 256, got '1000'\n");
    expect(r.code).toBe(2);
  });
});

describe('an open loop at a rate whose first arrival is past the time bound', () => {
  it('issues nothing and sets no timer beyond it (one of over 2^31−1 ms would fire at once)', async () => {
    let sent = 0;
    const send = async () => {
      sent++;
      return { start: 0, chunkTimes: [], end: 0, text: '' };
    };
    const out = await runLoad(send, { rate: 1e-9, seed: 1, requests: 3, durationMs: 1000, warmup: 0 });
    expect(sent).toBe(0);
    expect(out.records).toEqual([]);
    expect(out.skipped).toBe(3);
  });
});
