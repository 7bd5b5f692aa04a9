import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTemplateVariant } from '../common/assets/models.ts';
import { createPreprocessor, type PipelineConfig } from '../common/pipeline.ts';
import { generateBatch } from '../common/data.ts';
import { startStrategy, type Strategy, type StrategyId } from '../common/strategies/index.ts';
import type { ChatMessage } from '../common/templates/engines.ts';
import { batchTasks, timeBatch } from '../common/workload.ts';

const config: PipelineConfig = { template: 'llama3.1', engine: 'jinja', tokenizer: 'js' };
let chats: ChatMessage[][];
let expectedPrompts: string[];
let expectedIds: number[][];
const started: Strategy[] = [];

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
  beforeAll(async () => {
    strategy = await startStrategy(id, workers, config);
    started.push(strategy);
  });

  it('reports its start-up time', () => {
    expect(strategy.startupMs).toBeGreaterThan(0);
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

  it('times a whole batch including collation', async () => {
    const ms = await timeBatch(strategy, batchTasks('prepare', chats));
    expect(ms).toBeGreaterThan(0);
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
    await expect(pool.run({ op: 'prepare', messages: [{ role: 'user', content: 5 as unknown as string }] })).rejects.toThrow();
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
