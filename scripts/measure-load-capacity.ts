/**
 * The highest Poisson request rate a load generator sustains before it saturates (saturationVerdict),
 * with 1 and with 2 load workers, against the mock server in its own process (so the server's CPU is not
 * on the generator's event loop). The mock streams many tokens with no think time beyond its timer, so
 * the client's per-chunk work (read, SSE parse, JSON parse) is the cost that grows with the rate.
 * The search is searchMaxGoodput with "the client kept up" as the attainment: it doubles the rate until
 * the client saturates, then bisects to the precision. Each step is a few runs judged by majority.
 *
 *   node --import tsx scripts/measure-load-capacity.ts [--workers 1,2] [--start 50] [--seconds 2] [--repeats 3]
 *        [--tokens 64] [--ttft 5] [--itl 1] [--client fetch] [--precision 0.1]
 */
import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CLIENTS, type ClientKind } from '../suites/inference/client.ts';
import { searchMaxGoodput } from '../suites/inference/goodput-search.ts';
import { LOOP_DELAY_RESOLUTION_MS, runLoad } from '../suites/inference/load.ts';
import { startLoadWorkers, type LoadWorkers } from '../suites/inference/load-workers.ts';
import { requestMetrics } from '../suites/inference/metrics.ts';
import type { RequestPlan } from '../suites/inference/request-plan.ts';
import { saturationVerdict } from '../suites/inference/saturation.ts';
import { startLoopDelayMonitor, type LoopDelay } from '../common/monitor/event-loop.ts';
import { summarize } from '../common/stats/stats.ts';
import { tsxImport } from '../suites/inference/targets.ts';

export interface CapacityOptions {
  /** First rate tried, requests/s. */
  start: number;
  /** Measured seconds per run (requests = rate × seconds, at least 200). */
  seconds: number;
  /** Runs per step (seeds seed, seed + 1, …); the step is saturated when most of them are. */
  repeats: number;
  precision: number;
  maxSteps: number;
  seed: number;
}

export interface CapacityStep {
  rate: number;
  saturated: boolean;
  /** Per run. */
  lagP99: number[];
  loopDelayP99: number[];
  ttftMedian: number[];
  errors: number;
}

/** Highest rate at which `loadWorkers` threads keep up; every step measured is passed to `onStep`. */
export async function maxSustainableRate(plan: RequestPlan, loadWorkers: number, o: CapacityOptions, onStep: (s: CapacityStep) => void) {
  // One pool for every step: workers started once, their JIT as warm at the last step as the main thread's.
  const pool = loadWorkers > 1 ? await startLoadWorkers(loadWorkers) : undefined;
  try {
    return await searchMaxGoodput({
      start: o.start,
      precision: o.precision,
      maxSteps: o.maxSteps,
      // Kept up = full attainment; the client is what is measured here, so saturation is the miss, not a stop.
      async measure(rate) {
        const step = await measureStep(plan, rate, loadWorkers, o, pool);
        onStep(step);
        return { attainment: step.saturated ? 0 : 1, saturated: false };
      },
    });
  } finally {
    await pool?.close();
  }
}

/**
 * `repeats` runs at `rate`, judged by majority: on a shared machine one scheduling hiccup can push one
 * run's p99 over the limit at any rate, while a client that cannot keep up is late in every run.
 */
async function measureStep(plan: RequestPlan, rate: number, loadWorkers: number, o: CapacityOptions, pool: LoadWorkers | undefined): Promise<CapacityStep> {
  const step: CapacityStep = { rate, saturated: false, lagP99: [], loopDelayP99: [], ttftMedian: [], errors: 0 };
  let saturatedRuns = 0;
  for (let k = 0; k < o.repeats; k++) {
    // At least 200 requests: the p99 of fewer is one or two of the largest lags. Half a second of warm-up
    // at the step's rate: a fresh thread's first requests are slow while the JIT warms.
    const requests = Math.max(200, Math.round(rate * o.seconds));
    const spec = { rate, seed: o.seed + k, requests, durationMs: (2000 * requests) / rate + 10_000, warmup: Math.max(20, Math.round(rate / 2)), loadWorkers };
    const out = await runLoad(plan, spec, undefined, pool);
    if (saturationVerdict(out.lag, { meanInterArrivalMs: 1000 / rate }).saturated) saturatedRuns++;
    const ok = out.records.flatMap((r) => requestMetrics(r) ?? []);
    step.lagP99.push(out.lag.p99);
    step.loopDelayP99.push(out.loopDelay.p99);
    step.ttftMedian.push(summarize(ok.map((m) => m.ttft)).median);
    step.errors += out.records.length - ok.length;
  }
  step.saturated = saturatedRuns > o.repeats / 2;
  return step;
}

/** This thread's event-loop delay while idle for `ms`: the machine's own timer noise, under any load. */
async function idleLoopDelay(ms: number): Promise<LoopDelay> {
  const monitor = startLoopDelayMonitor(LOOP_DELAY_RESOLUTION_MS);
  await new Promise((r) => setTimeout(r, ms));
  return monitor.stop();
}

/** Starts the mock server as a child process; resolves with its URL and a stop function. */
export async function spawnMockServer(ttftMs: number, itlMs: number): Promise<{ baseURL: string; model: string; stop(): void }> {
  const script = fileURLToPath(new URL('../suites/inference/mock-server.ts', import.meta.url));
  const child = spawn(process.execPath, [...tsxImport(), script, '--port', '0', '--ttft', String(ttftMs), '--itl', String(itlMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const info = await new Promise<{ baseURL: string; model: string }>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]));
    });
    child.once('exit', (code) => reject(new Error(`mock server exited (code ${code}) before printing its URL`)));
  });
  return { ...info, stop: () => child.kill('SIGKILL') };
}

const f = (x: number) => (Number.isFinite(x) ? Number(x.toPrecision(3)).toString() : '–');
const list = (xs: number[]) => xs.map(f).join(' / ');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      workers: { type: 'string', default: '1,2' },
      repeats: { type: 'string', default: '3' },
      start: { type: 'string', default: '50' },
      seconds: { type: 'string', default: '2' },
      tokens: { type: 'string', default: '64' },
      ttft: { type: 'string', default: '5' },
      itl: { type: 'string', default: '1' },
      client: { type: 'string', default: 'fetch' },
      precision: { type: 'string', default: '0.1' },
      'max-steps': { type: 'string', default: '10' },
    },
  });
  const client = values.client as ClientKind;
  if (!CLIENTS.includes(client)) throw new Error(`--client must be one of ${CLIENTS.join(', ')}, got ${client}`);
  const o: CapacityOptions = { start: Number(values.start), seconds: Number(values.seconds), repeats: Number(values.repeats), precision: Number(values.precision), maxSteps: Number(values['max-steps']), seed: 1 };
  const tokens = Number(values.tokens);
  const mock = await spawnMockServer(Number(values.ttft), Number(values.itl));
  try {
    const plan: RequestPlan = { client, baseURL: mock.baseURL, model: mock.model, prompts: [{ messages: [{ role: 'user', content: 'count' }] }], maxTokens: tokens, ignoreEos: true, timeoutMs: 60_000 };
    const idle = await idleLoopDelay(2000);
    console.log(`mock server (own process): ttft ${values.ttft} ms, itl ${values.itl} ms, ${tokens} tokens per request; ${client} client; ${o.repeats} runs of ≥ ${o.seconds} s per step`);
    console.log(`idle event-loop delay of this thread (the machine's timer noise): p99 ${f(idle.p99)} ms, max ${f(idle.max)} ms; saturation limit: send-lag p99 > max(5 ms, 10% of the mean gap)`);
    const summary: string[] = [];
    for (const n of values.workers.split(',').map(Number)) {
      console.log(`\n${n} load worker${n > 1 ? 's' : ''} (load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}):`);
      const result = await maxSustainableRate(plan, n, o, (s) =>
        console.log(`  ${f(s.rate).padStart(6)}/s  ${s.saturated ? 'SATURATED' : 'kept up  '}  send lag p99 ${list(s.lagP99)} ms  loop delay p99 ${list(s.loopDelayP99)} ms  TTFT p50 ${list(s.ttftMedian)} ms${s.errors ? `  ${s.errors} errors` : ''}`),
      );
      const bound = result.value === undefined ? `saturated already at the start rate ${o.start}/s` : result.high === undefined ? `${f(result.value)}/s or more (never saturated within ${o.maxSteps} steps)` : `${f(result.value)}/s (saturated at ${f(result.high)}/s)`;
      const line = `${n} load worker${n > 1 ? 's' : ''}: max sustainable rate ${bound}`;
      summary.push(line);
      console.log(`  → ${line}`);
    }
    console.log(`\n${summary.join('\n')}\n(load average at the end ${loadavg().map((x) => x.toFixed(1)).join(' ')}; ${cpus().length} cores)`);
  } finally {
    mock.stop();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
