import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { getTemplateVariant } from '../common/assets/models.ts';
import { createPreprocessor, type PipelineConfig } from '../common/measure/pipeline.ts';
import { generateBatch } from '../common/text/data.ts';
import { startStrategy, type Strategy, type StrategyId } from '../common/strategies/index.ts';
import type { ChatMessage } from '../common/templates/engines.ts';
import { batchTasks, timeBatch } from '../common/measure/workload.ts';

const config: PipelineConfig = { template: 'llama3.1', engine: 'jinja', tokenizer: 'js' };
let chats: ChatMessage[][];
let expectedPrompts: string[];
let expectedIds: number[][];
const started: Strategy[] = [];

/** When collate last returned (performance.now()), and how long it is made to take (busy wait, ms). */
const collated = vi.hoisted(() => ({ at: 0, spinMs: 0 }));
vi.mock('../common/measure/collate.ts', async (importOriginal) => {
  const original = await importOriginal<typeof import('../common/measure/collate.ts')>();
  return {
    ...original,
    collate: (...args: Parameters<typeof original.collate>) => {
      const out = original.collate(...args);
      const until = performance.now() + collated.spinMs;
      while (performance.now() < until);
      collated.at = performance.now();
      return out;
    },
  };
});

beforeAll(async () => {
  const pre = await createPreprocessor(config);
  chats = generateBatch({ seed: 5, turns: 12, totalTokens: 400, system: true }, 6, { encode: pre.tokenizer.encodeSync!, decode: pre.tokenizer.decode });
  expectedPrompts = chats.map((c) => pre.render(c));
  expectedIds = await Promise.all(expectedPrompts.map((p) => pre.tokenize(p)));
});

afterAll(async () => {
  await Promise.all(started.map((s) => s.close()));
});

describe.each<[StrategyId, number]>([
  ['main', 1],
  ['native', 1],
  ['pool', 2],
  ['process', 2],
])('strategy %s ×%i', (id, workers) => {
  let strategy: Strategy;
  let startCallMs: number;
  beforeAll(async () => {
    const t0 = performance.now();
    strategy = await startStrategy(id, workers, config);
    startCallMs = performance.now() - t0;
    started.push(strategy);
  });

  it('reports its start-up time', () => {
    // Measured inside startStrategy: positive, and no longer than the call itself.
    expect(strategy.startupMs).toBeGreaterThan(0);
    expect(strategy.startupMs).toBeLessThanOrEqual(startCallMs);
    expect(strategy.workers).toBe(workers);
  });

  it('renders, tokenizes and prepares exactly as the main thread does', async () => {
    const rendered = await Promise.all(chats.map((messages) => strategy.run({ op: 'render', messages })));
    expect(rendered.map((r) => r.text)).toEqual(expectedPrompts);
    const prepared = await Promise.all(chats.map((messages) => strategy.run({ op: 'prepare', messages })));
    expect(prepared.map((r) => r.ids)).toEqual(expectedIds);
    const tokenized = await Promise.all(expectedPrompts.map((text) => strategy.run({ op: 'tokenize', text })));
    expect(tokenized.map((r) => r.ids)).toEqual(expectedIds);
  });

  it('the json task encoding (JSON text in, packed ids out) gives the same prompts and ids', async () => {
    const [render, prepare] = (['render', 'prepare'] as const).map((op) => batchTasks(op, chats, undefined, 'json'));
    expect(prepare[0]).toEqual({ op: 'prepare', body: JSON.stringify(chats[0]), packed: true });
    const rendered = await Promise.all(render.map((t) => strategy.run(t)));
    expect(rendered.map((r) => r.text)).toEqual(expectedPrompts);
    const prepared = await Promise.all(prepare.map((t) => strategy.run(t)));
    // Worker threads hand back the Int32Array itself (transferred); a child process can only send a plain array.
    expect(prepared.every((r) => (id === 'process' ? Array.isArray(r.ids) : r.ids instanceof Int32Array))).toBe(true);
    expect(prepared.map((r) => Array.from(r.ids!))).toEqual(expectedIds);
    const tokenized = await Promise.all(batchTasks('tokenize', chats, expectedPrompts, 'json').map((t) => strategy.run(t)));
    expect(tokenized.map((r) => Array.from(r.ids!))).toEqual(expectedIds);
  });

  it('times a whole batch including collation', async () => {
    // The timed span must cover every task from the first dispatch to the last result, and the
    // collation after them (made to take 5 ms here, so leaving it out would show); and it cannot exceed
    // the call.
    let firstDispatch = Infinity;
    let lastResult = 0;
    const dispatched: Promise<unknown>[] = [];
    const observed: Strategy = {
      ...strategy,
      run: (task) => {
        firstDispatch = Math.min(firstDispatch, performance.now());
        const p = strategy.run(task).then((r) => {
          lastResult = Math.max(lastResult, performance.now());
          return r;
        });
        dispatched.push(p);
        return p;
      },
    };
    collated.at = 0;
    collated.spinMs = 5;
    const t0 = performance.now();
    const ms = await timeBatch(observed, batchTasks('prepare', chats)).finally(() => (collated.spinMs = 0));
    const callMs = performance.now() - t0;
    await Promise.all(dispatched);
    expect(dispatched).toHaveLength(chats.length);
    expect(collated.at).toBeGreaterThanOrEqual(lastResult);
    expect(ms).toBeGreaterThanOrEqual(collated.at - firstDispatch);
    expect(ms).toBeLessThanOrEqual(callMs);
  });

  it('turns a bad task into a rejected promise, and keeps working', async () => {
    await expect(strategy.run({ op: 'render' })).rejects.toThrow(/missing 'messages'/);
    const after = await strategy.run({ op: 'prepare', messages: chats[0] });
    expect(after.ids).toEqual(expectedIds[0]);
  });
});

describe('worker faults', () => {
  it('a template error inside a pool worker rejects the task with the message', async () => {
    const pool = await startStrategy('pool', 1, config);
    started.push(pool);
    const messages = [{ role: 'user', content: 5 as unknown as string }];
    // The message the template engine gives on the main thread (llama3.1 applies `| trim` to content).
    const pre = await createPreprocessor(config);
    const onMain = await (async () => pre.prepare(messages))().then(() => '', (e: Error) => e.message);
    expect(onMain).toBe('Unknown NumericValue filter: trim');
    await expect(pool.run({ op: 'prepare', messages })).rejects.toThrow(new Error(onMain));
  });

  it('a child process that exits mid-task rejects the task instead of hanging', async () => {
    const { default: workerpool } = await import('workerpool');
    const { fileURLToPath } = await import('node:url');
    const pool = workerpool.pool(fileURLToPath(new URL('../common/strategies/process-worker.mjs', import.meta.url)), {
      workerType: 'process',
      maxWorkers: 1,
      forkArgs: [JSON.stringify({ config, templateSource: await getTemplateVariant(config.template).load() })],
    });
    try {
      await expect(pool.exec('crash', [])).rejects.toThrow(/exit|terminated|Worker/i);
    } finally {
      await pool.terminate(true);
    }
  });
});
