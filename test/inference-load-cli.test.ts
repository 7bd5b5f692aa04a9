/**
 * The load generator's own judgement and the goodput search through the real CLI, against the mock
 * server: option validation (exit 2), the saturation rule reaching every row of a point, and the search's
 * rows and chart. Nothing here depends on the machine's speed: the saturation limits are set far below or
 * far above any lag a timer can have, and the search's SLO is one the mock can never meet.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockServer, type MockServer } from '../suites/inference/mock-server.ts';
import { cli, onlyRun, readCsv, tempDir } from './helpers.ts';

describe('load generator options: bad values exit 2 naming the value', () => {
  const cases: [string[], string][] = [
    [['--load-workers', '0'], "--load-workers: must be a whole number from 1 to 256, got '0'"],
    [['--load-workers', 'two'], "--load-workers: must be a whole number from 1 to 256, got 'two'"],
    [['--saturation', '5,10'], "--saturation: '5,10' is not a limit; expected <ms>ms,<percent>%, e.g. 5ms,10%"],
    [['--saturation', '0ms,10%'], "--saturation: ms: must be a number > 0 and ≤ 86400000 (ms), got '0'"],
    [['--saturation', '5ms,5000%'], "--saturation: percent: must be a number > 0 and ≤ 1000, got '5000'"],
    [['--search', 'fastest', '--slo', 'ttft=100'], "--search: unknown search 'fastest'; valid: goodput"],
    [['--search', 'goodput'], '--search goodput needs an SLO: --slo ttft=…,tpot=… (milliseconds), or slo: in --config'],
    [['--search', 'goodput', '--slo', 'ttft=100', '--search-axis', 'tokens'], "--search-axis: unknown axis 'tokens'; valid: rate, concurrency"],
    [['--search', 'goodput', '--slo', 'ttft=100', '--attainment', '1.5'], "--attainment: '1.5' is not a share of requests; expected 0 < x ≤ 1 or a percentage, e.g. 0.9 or 90%"],
    [['--search', 'goodput', '--slo', 'ttft=100', '--search-precision', '0'], "--search-precision: '0' is not a relative width; expected 0 < x < 1, e.g. 0.1"],
    [['--search', 'goodput', '--slo', 'ttft=100', '--search-axis', 'concurrency', '--search-start', '1.5'], "--search-start: must be a whole number from 1 to 4096, got '1.5'"],
    [['--search', 'goodput', '--slo', 'ttft=100', '--search-start', '1e9'], "--search-start: must be a number > 0 and ≤ 100000 (requests/s), got '1e9'"],
    [['--attainment', '0.9'], '--attainment needs --search goodput'],
  ];
  for (const [args, message] of cases) {
    it(`${args.join(' ')}`, async () => {
      const r = await cli('--exp', '9', ...args, '--out', tempDir());
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`error: ${message}`);
    });
  }
});

describe('a flag no selected experiment reads is bad input, not silently ignored', () => {
  const cases: [string[], string][] = [
    [['--exp', '5', '--search', 'goodput', '--slo', 'ttft=100'], '--search is used by experiment 9, which this run does not include (it runs: 5)'],
    [['--exp', '6', '7', '--load-workers', '2'], '--load-workers is used by experiments 5 and 9, which this run does not include (it runs: 6, 7)'],
    [['--exp', '5', '--gateway', 'main'], '--gateway is used by experiment 6, which this run does not include (it runs: 5)'],
    [['--exp', '1', '2', '--workers', '1,2'], '--workers is used by experiments 3, 4 and 11, which this run does not include (it runs: 1, 2)'],
    [['--exp', '8', '--strategies', 'main'], '--strategies is used by experiments 3 and 4, which this run does not include (it runs: 8)'],
  ];
  for (const [args, message] of cases) {
    it(args.join(' '), async () => {
      const r = await cli(...args, '--out', tempDir());
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`error: ${message}`);
    });
  }
});

describe('against the mock server', () => {
  let mock: MockServer;
  beforeAll(async () => {
    mock = await startMockServer({ ttftMs: 3, itlMs: 1 });
  });
  afterAll(() => mock.close());

  /** Experiment 5 at one Poisson rate with the given saturation limit; its results.csv rows. */
  async function atRate(rate: number, limit: string): Promise<{ code: number; stderr: string; rows: Record<string, string>[] }> {
    const cfg = join(tempDir(), 'rate.yaml');
    writeFileSync(cfg, `targets:\n  - { name: mock, url: "${mock.baseURL}" }\nrate: [${rate}]\nrequests: 20\nwarmup: 2\n`);
    const out = tempDir();
    const r = await cli('--exp', '5', '--quick', '--runs', '1', '--no-progress', '--config', cfg, '--saturation', limit, '--out', out);
    return { code: r.code, stderr: r.stderr, rows: readCsv(join(onlyRun(out), 'results.csv')) };
  }

  it('a point whose send lag exceeds the limit is client_saturated on every measured row, with the figures; below it stays ok', async () => {
    // 2000 requests/s: 0.5 ms apart, finer than a timer's 1 ms resolution, so requests leave after they are due.
    const tight = await atRate(2000, '0.000001ms,0.000001%');
    expect(tight.code).toBe(0);
    const point = tight.rows.filter((r) => r.rate === '2000');
    for (const metric of ['ttft', 'e2e', 'output_throughput', 'send_lag', 'loadgen_loop_delay_p99']) {
      const row = point.find((r) => r.metric === metric)!;
      expect(row.status, metric).toBe('client_saturated');
      expect(row.error).toMatch(/^client saturated: requests left later than scheduled \(send lag p50 .* p99 .* over 20 requests; limit 0\.000001 ms = max\(0\.000001 ms, 0\.000001% of the 0\.5 ms mean inter-arrival time\)\).*\(--load-workers\)$/);
      expect(Number(row.median)).not.toBeNaN();
    }
    expect(point.find((r) => r.metric === 'send_lag')).toMatchObject({ n: '20', load_workers: '' });
    expect(tight.stderr).toMatch(/client_saturated: \d+ rows, the measuring client fell behind its schedule; first: exp 5 /);
    // A limit no lag reaches: the same point is ok.
    const loose = await atRate(50, '100000ms,1%');
    const ttft = loose.rows.find((r) => r.rate === '50' && r.metric === 'ttft')!;
    expect(ttft.status).not.toBe('client_saturated');
    expect(loose.rows.some((r) => r.status === 'client_saturated')).toBe(false);
    expect(loose.stderr).not.toMatch(/client_saturated/);
  });

  it('--load-workers 2 issues the same point from two worker threads', async () => {
    const cfg = join(tempDir(), 'rate.yaml');
    writeFileSync(cfg, `targets:\n  - { name: mock, url: "${mock.baseURL}" }\nrate: [50]\nrequests: 20\nwarmup: 2\n`);
    const out = tempDir();
    const r = await cli('--exp', '5', '--quick', '--runs', '1', '--no-progress', '--config', cfg, '--load-workers', '2', '--out', out);
    expect(r.stderr).not.toMatch(/error: /);
    const rows = readCsv(join(onlyRun(out), 'results.csv')).filter((x) => x.rate === '50');
    expect(rows.find((x) => x.metric === 'ttft')).toMatchObject({ n: '20', load_workers: '2' });
    expect(rows.find((x) => x.metric === 'send_lag')!.note).toContain('issued by 2 load worker threads');
  });

  it('--search goodput with an SLO the server never meets: an error row with the reason, the step rows and the chart', async () => {
    const out = tempDir();
    // The mock's first token takes ≥ 3 ms: a 1 ms TTFT SLO fails at the start load.
    const r = await cli('--exp', '9', '--quick', '--runs', '1', '--no-progress', '--target', mock.baseURL, '--search', 'goodput', '--slo', 'ttft=1', '--search-start', '4', '--out', out);
    expect(r.code).toBe(1);
    const dir = onlyRun(out);
    const rows = readCsv(join(dir, 'results.csv'));
    const steps = rows.filter((x) => x.metric === 'slo_attainment');
    expect(steps.map((x) => [x.rate, x.median, x.attainment])).toEqual([['4', '0', '90']]);
    const found = rows.find((x) => x.metric === 'max_goodput_rate')!;
    expect(found.status).toBe('error');
    expect(found.error).toBe('even the start load 4 misses the SLO (attainment 0 < 0.9): start lower');
    expect(existsSync(join(dir, '9-goodput-search.svg'))).toBe(true);
  });
});
