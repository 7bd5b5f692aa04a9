import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockServer, type MockServer } from '../suites/inference/mock-server.ts';
import { selectExperiments } from '../scripts/cli.ts';
import { hasFigure } from '../common/results/results.ts';
import { cli, onlyRun, readCsv, tempDir } from './helpers.ts';
import { closedPort } from './inference-helpers.ts';

describe('bench CLI: the inference suite', () => {
  it('--exp 5 is known; --suite inference selects 5, 6, 7, 9; the default suite stays preprocessing', () => {
    expect(selectExperiments({ exp: ['5'] }).map((s) => [s.suite.name, s.experiment.slug])).toEqual([['inference', 'latency']]);
    expect(selectExperiments({ suite: 'inference' }).map((s) => s.experiment.id)).toEqual([5, 6, 7, 9]);
    expect(selectExperiments({}).every((s) => s.suite.name === 'preprocessing')).toBe(true);
  });

  it('--list shows the suite and its experiments', async () => {
    const r = await cli('--list');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/suite inference/);
    expect(r.stdout).toMatch(/ 5 +latency/);
    expect(r.stdout).toMatch(/ 6 +gateway/);
    expect(r.stdout).toMatch(/ 7 +prefix/);
  });

  it('bad --slo, --target, --client, --config exit 2 with the field and the reason', async () => {
    let r = await cli('--exp', '5', '--slo', 'ttft=fast');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("error: --slo: ttft: must be a number > 0 and ≤ 86400000 (ms), got 'fast'");
    r = await cli('--exp', '5', '--slo', 'p50=3');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown key 'p50'/);
    r = await cli('--exp', '5', '--target', 'localhost:8000');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error: --target: 'localhost:8000' must be http:\/\/ or https:\/\//);
    r = await cli('--exp', '5', '--client', 'curl');
    expect(r.code).toBe(2);
    const dir = tempDir();
    const cfg = join(dir, 'bad.yaml');
    writeFileSync(cfg, 'targets:\n  - url: http://127.0.0.1:8000/v1\n    client: grpc\nconcurrency: [1, 2]\n');
    r = await cli('--suite', 'inference', '--config', cfg);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: ${cfg}: targets[0].client: must be one of fetch, openai, got "grpc"`);
    writeFileSync(cfg, 'concurrency: [1, 2\n');
    r = await cli('--suite', 'inference', '--config', cfg);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${cfg}: not valid YAML`);
  });
});

describe('bench CLI against an OpenAI-compatible mock and a dead target', () => {
  let mock: MockServer;
  beforeAll(async () => {
    mock = await startMockServer({ ttftMs: 3, itlMs: 1 });
  });
  afterAll(() => mock.close());

  it('experiment 5 end to end: metric rows, samples, summaries beside results.csv', async () => {
    const out = tempDir();
    const r = await cli('--exp', '5', '--quick', '--runs', '1', '--no-progress', '--target', mock.baseURL, '--slo', 'ttft=1000,tpot=1000', '--out', out);
    expect(r.stderr).not.toMatch(/error: /);
    expect(r.code).toBe(0);
    const dir = onlyRun(out);
    const rows = readCsv(join(dir, 'results.csv'));
    const at = (metric: string, c: string) => rows.find((x) => x.metric === metric && x.concurrency === c);
    for (const c of ['1', '2', '4']) {
      for (const m of ['ttft', 'itl', 'tpot', 'e2e', 'output_throughput', 'request_throughput', 'goodput', 'pareto_front_p50', 'decode_rate_ratio', 'loop_delay_p99', 'client_cpu', 'client_peak_rss']) {
        expect(at(m, c), `${m} c=${c}`).toBeDefined();
      }
      expect(at('ttft', c)!).toMatchObject({ target: mock.baseURL, model: 'mock-llama', n: '24' });
      // Measured (ok, or unstable when the machine is noisy), not failed.
      expect(hasFigure(at('ttft', c)!.status)).toBe(true);
      // Quick mode asks for 32 tokens with ignore_eos; the mock's 32 words re-tokenize to 32 Llama 3.1 tokens.
      expect(Number(at('output_tokens', c)!.median)).toBe(32);
      expect(Number(at('goodput_share', c)!.median)).toBe(100);
    }
    expect(rows.find((x) => x.metric === 'client_overhead_fetch')).toBeDefined();
    expect(rows.every((x) => x.note !== '' || x.metric === 'point')).toBe(true);
    const samples = readFileSync(join(dir, 'samples.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(samples.find((s) => s.metric === 'ttft' && s.concurrency === 4).samples).toHaveLength(24);
    expect(readFileSync(join(dir, 'inference-summary.md'), 'utf8')).toMatch(/## 5\. Latency wall/);
    const json = JSON.parse(readFileSync(join(dir, 'inference-summary.json'), 'utf8'));
    expect(json.experiments[0].rows.some((x: any) => x.metric === 'ttft' && x.concurrency === 1)).toBe(true);
  });

  it('a dead target gives error rows naming it and the cause, the rest of the matrix still runs, nothing hangs', async () => {
    const port = await closedPort();
    const dead = `http://127.0.0.1:${port}/v1`;
    const dir = tempDir();
    const cfg = join(dir, 'two.yaml');
    writeFileSync(cfg, `targets:\n  - { name: dead, url: "${dead}", model: x }\n  - { name: alive, url: "${mock.baseURL}" }\nconcurrency: [2]\nrequests: 4\nwarmup: 0\n`);
    const out = tempDir();
    // "Nothing hangs" is the run ending at all (within the test's timeout); that the dead target failed
    // on its cause and not on a timeout is in the error text checked below (ECONNREFUSED).
    const r = await cli('--exp', '5', '7', '--quick', '--runs', '1', '--no-progress', '--config', cfg, '--out', out);
    expect(r.code).toBe(1);
    const rows = readCsv(join(onlyRun(out), 'results.csv'));
    const errors = rows.filter((x) => x.status === 'error');
    expect(errors.length).toBe(3); // exp 5 c=2, exp 7 shared-prefix and unique
    for (const e of errors) {
      expect(e.target).toBe('dead');
      expect(e.error).toContain(`target ${dead} unreachable`);
      expect(e.error).toMatch(/ECONNREFUSED/);
    }
    expect(rows.some((x) => x.target === 'alive' && x.metric === 'ttft' && hasFigure(x.status) && x.experiment === '5')).toBe(true);
    expect(rows.some((x) => x.target === 'alive' && x.metric === 'ttft' && hasFigure(x.status) && x.experiment === '7')).toBe(true);
    expect(r.stderr).toMatch(/unreachable/);
    expect(existsSync(join(onlyRun(out), 'inference-summary.md'))).toBe(true);
  });
});
