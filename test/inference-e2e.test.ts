/** End to end against the embedded llama.cpp backend (tiny dummy-weight model, its own process). */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { streamRequest } from '../common/inference/client.ts';
import { runLoad } from '../common/inference/load.ts';
import { EMBEDDED_TARGET } from '../common/inference/options.ts';
import { acquireTarget, closeTargets, embeddedAvailable } from '../common/inference/targets.ts';
import { cli, onlyRun, readCsv, tempDir } from './helpers.ts';

afterAll(() => closeTargets());

describe.skipIf(!embeddedAvailable())('embedded backend', () => {
  it('experiment 7 runs on a fresh embedded server: start-up row, TTFT rows, server stopped at the end', async () => {
    const out = tempDir();
    const r = await cli('--exp', '7', '--quick', '--no-progress', '--out', out);
    expect(r.stderr).not.toMatch(/error: /);
    expect(r.code).toBe(0);
    const dir = onlyRun(out);
    const rows = readCsv(join(dir, 'results.csv'));
    const startup = rows.filter((x) => x.metric === 'backend_startup');
    expect(startup).toHaveLength(1);
    expect(startup[0].note).toMatch(/never inside a timed region/);
    for (const variant of ['shared-prefix', 'unique']) {
      const ttft = rows.find((x) => x.metric === 'ttft' && x.dataset === variant);
      expect(ttft, variant).toMatchObject({ status: 'ok', target: 'embedded', model: 'prepbench-dummy-llama-tiny' });
      expect(rows.find((x) => x.metric === 'prompt_tokens_evaluated' && x.dataset === variant)).toBeDefined();
    }
    expect(rows.find((x) => x.metric === 'ttft_unique_vs_shared')).toBeDefined();
    expect(existsSync(join(dir, 'inference-summary.json'))).toBe(true);
  });

  it('a server killed mid-run: in-flight requests are errors, nothing hangs', async () => {
    const { target } = await acquireTarget(EMBEDDED_TARGET, 2, 'tiny');
    expect(target.pid).toBeGreaterThan(0);
    const send = (_i: number, signal: AbortSignal) => streamRequest('fetch', { baseURL: target.baseURL, model: target.model, prompt: 'Once upon a time', maxTokens: 3000, ignoreEos: true, timeoutMs: 60_000, idleTimeoutMs: 10_000, signal });
    setTimeout(() => process.kill(target.pid!, 'SIGKILL'), 1000);
    const t0 = performance.now();
    const out = await runLoad(send, { concurrency: 2, seed: 1, requests: 4, durationMs: 60_000, warmup: 0 });
    expect(performance.now() - t0).toBeLessThan(20_000);
    const errors = out.records.filter((r) => r.error);
    expect(errors.length).toBeGreaterThanOrEqual(2);
    expect(errors.some((r) => r.chunkTimes.length > 0)).toBe(true); // cut mid-stream
    await new Promise((r) => setTimeout(r, 300)); // let the exit be reaped
    await expect(acquireTarget(EMBEDDED_TARGET, 2, 'tiny')).rejects.toThrow(/no longer running/);
  });
});
