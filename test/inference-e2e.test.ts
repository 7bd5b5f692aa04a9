/**
 * End to end against the embedded llama.cpp backend (tiny dummy-weight model, its own process). Skipped
 * where node-llama-cpp has no prebuilt native addon for the platform (embeddedAvailable).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { streamRequest } from '../suites/inference/client.ts';
import { hasFigure } from '../common/results/results.ts';
import { runLoad } from '../suites/inference/load.ts';
import { EMBEDDED_TARGET } from '../suites/inference/config.ts';
import { acquireTarget, closeTargets, embeddedAvailable } from '../suites/inference/targets.ts';
import { cli, onlyRun, readCsv, tempDir } from './helpers.ts';
import { fetchNotifyingFirstContent, untilGone } from './inference-helpers.ts';

afterAll(() => closeTargets());

describe.skipIf(!embeddedAvailable())('embedded backend', () => {
  it('experiment 7 runs on a fresh embedded server: start-up row, TTFT rows, server stopped at the end', async () => {
    const out = tempDir();
    const r = await cli('--exp', '7', '--quick', '--runs', '1', '--no-progress', '--out', out);
    expect(r.stderr).not.toMatch(/error: /);
    expect(r.code).toBe(0);
    const dir = onlyRun(out);
    const rows = readCsv(join(dir, 'results.csv'));
    const startup = rows.filter((x) => x.metric === 'backend_startup');
    expect(startup).toHaveLength(1);
    expect(startup[0].note).toMatch(/never inside a timed region/);
    for (const variant of ['shared-prefix', 'unique']) {
      const ttft = rows.find((x) => x.metric === 'ttft' && x.dataset === variant);
      expect(ttft, variant).toMatchObject({ target: 'embedded', model: 'prepbench-dummy-llama-tiny' });
      // Measured (ok, or unstable when the machine is noisy), not failed.
      expect(hasFigure(ttft!.status), variant).toBe(true);
      expect(rows.find((x) => x.metric === 'prompt_tokens_evaluated' && x.dataset === variant)).toBeDefined();
    }
    expect(rows.find((x) => x.metric === 'ttft_unique_vs_shared')).toBeDefined();
    expect(existsSync(join(dir, 'inference-summary.json'))).toBe(true);
  });

  it('a server killed mid-run: in-flight requests are errors, nothing hangs', async () => {
    const { target } = await acquireTarget(EMBEDDED_TARGET, 2, 'tiny');
    expect(target.pid).toBeGreaterThan(0);
    // Killed once requests 0 and 1 (both in flight) have received content — an event, not a delay. Their
    // 3000-token streams are cut; requests 2 and 3, sent once the process is gone, find the port closed.
    // The timeouts are far beyond the test's own: only the kill can end the run.
    let started = 0;
    const onContent = () => {
      if (++started === 2) process.kill(target.pid!, 'SIGKILL');
    };
    const send = async (i: number, signal: AbortSignal) => {
      if (i >= 2) await untilGone(target.pid!);
      return streamRequest('fetch', { baseURL: target.baseURL, model: target.model, prompt: 'Once upon a time', maxTokens: 3000, ignoreEos: true, timeoutMs: 3_600_000, idleTimeoutMs: 3_600_000, signal, fetch: i < 2 ? fetchNotifyingFirstContent(onContent) : undefined });
    };
    const out = await runLoad(send, { concurrency: 2, seed: 1, requests: 4, durationMs: 3_600_000, warmup: 0 });
    expect(out.records).toHaveLength(4);
    for (const r of out.records.slice(0, 2)) {
      expect(r.error).toMatch(/^terminated: other side closed/);
      expect(r.chunkTimes.length).toBeGreaterThanOrEqual(1);
      expect(r.chunkTimes.length).toBeLessThan(3000);
    }
    for (const r of out.records.slice(2)) {
      expect(r.error).toMatch(/ECONNREFUSED/);
      expect(r.chunkTimes).toEqual([]);
    }
    await untilGone(target.pid!);
    await expect(acquireTarget(EMBEDDED_TARGET, 2, 'tiny')).rejects.toThrow(/no longer running/);
  });
});
