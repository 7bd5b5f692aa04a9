/**
 * Experiment 11's Python peer (suites/preprocessing/pipelines/python-peer.ts): Jinja2 as transformers
 * configures it renders the very batch of the point, identically to the reference, timed in a bounded
 * child; whatever is missing is one row saying why, and a template Python renders differently is a row
 * naming where instead of timings. Figures are never asserted, only which rows there are.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getTemplateVariant } from '../common/assets/models.ts';
import type { ResultRow } from '../common/results/results.ts';
import { preprocessor } from '../common/measure/preprocessor-cache.ts';
import { compileTemplate, describeDifference } from '../common/templates/engines.ts';
import { buildBatches } from '../common/measure/workload.ts';
import { PYTHON_STRATEGIES, peerBatchOf, runPythonPeer, type PeerBatch } from '../suites/preprocessing/pipelines/python-peer.ts';
import { pythonFinding } from '../suites/preprocessing/pipelines/verdict.ts';
import { tempDir } from './helpers.ts';

const python = spawnSync('python3', ['-c', 'import sys, jinja2; print(sys.executable)'], { encoding: 'utf8' });
const jinja2Present = python.status === 0;
const pythonExecutable = python.stdout?.trim() ?? '';
const tokenizersPresent = jinja2Present && spawnSync('python3', ['-c', 'import tokenizers'], { stdio: 'ignore' }).status === 0;
const SKIP = 'python3 with jinja2 is not installed on this machine';

const TEMPLATE = 'llama3.1-full';

/** Three small chats of the suite's workload, as the reference (@huggingface/jinja + js) prepares them. */
async function smallBatch(): Promise<PeerBatch> {
  const batch = buildBatches({ template: TEMPLATE, seed: 3, turns: 4, tokensPerRequest: 120, batchSize: 3, distinct: 1, text: 'synthetic' })[0];
  const reference = await preprocessor({ template: TEMPLATE, engine: 'jinja', tokenizer: 'js' });
  return peerBatchOf(reference, batch, batch.map((m) => reference.render(m)));
}

const rowsOf = (rows: { metric: string; params?: object }[]) => rows.map((r) => `${r.metric} ${JSON.stringify(r.params)}`).sort();
const timed = (metric: string, tokenizer: string) =>
  PYTHON_STRATEGIES.flatMap((strategy) => {
    const params = JSON.stringify({ engine: 'jinja2', tokenizer, strategy, workers: strategy === 'python-main' ? 1 : 2 });
    return [`${metric} ${params}`, `python_requests_per_s ${params}`];
  });

/** A folder holding a `tokenizers` module whose Tokenizer.from_file returns the ids a JSON file maps each prompt to. */
function stubTokenizers(ids: Record<string, number[]>): string {
  const dir = tempDir();
  mkdirSync(join(dir, 'tokenizers'));
  writeFileSync(join(dir, 'ids.json'), JSON.stringify(ids));
  writeFileSync(
    join(dir, 'tokenizers', '__init__.py'),
    [
      'import json, os',
      '__version__ = "stub"',
      'class Encoding:',
      '    def __init__(self, ids): self.ids = ids',
      'class Tokenizer:',
      '    @staticmethod',
      '    def from_file(path):',
      '        assert path.endswith("tokenizer.json") and os.path.exists(path), path',
      '        t = Tokenizer()',
      `        t.ids = json.load(open(${JSON.stringify(join(dir, 'ids.json'))}))`,
      '        return t',
      '    def encode(self, text, add_special_tokens=True):',
      '        assert add_special_tokens is False',
      '        return Encoding(self.ids[text])',
      '',
    ].join('\n'),
  );
  return dir;
}

describe('Python peer', () => {
  it.skipIf(!jinja2Present)(`renders the batch as the reference does and times it on main, threads and processes (skipped when ${SKIP})`, async () => {
    const batch = await smallBatch();
    const { rows, rendered } = await runPythonPeer(batch, { workers: 2, quick: true });
    expect(rendered).toEqual(batch.prompts);
    const tokenizers = tokenizersPresent ? timed('python_batch_prepare', 'tokenizers-py') : ['python_peer {"engine":"jinja2","tokenizer":"tokenizers-py"}'];
    expect(rowsOf(rows)).toEqual([...timed('python_batch_render', ''), ...tokenizers].sort());
    if (!tokenizersPresent) expect(rows.find((r) => r.metric === 'python_peer')).toMatchObject({ status: 'unsupported', error: 'python3 has no `tokenizers` module' });
    for (const r of rows.filter((r) => r.metric === 'python_batch_render')) {
      expect(r.samples!.length).toBeGreaterThanOrEqual(6);
      expect(r.summary!.n).toBe(r.samples!.length);
      expect(r.note).toContain('3 chats, render only (Jinja2 ');
      expect(r.note).toContain('Unpaired with Node');
    }
  });

  it.skipIf(!jinja2Present)(`renders and tokenizes with a \`tokenizers\` module giving the reference ids, and names where ids differ (skipped when ${SKIP})`, async () => {
    const batch = await smallBatch();
    const ids = Object.fromEntries(await Promise.all(batch.prompts.map(async (p) => [p, await batch.referenceIds(p)] as const)));
    const good = await runPythonPeer(batch, { workers: 2, quick: true, env: { ...process.env, PYTHONPATH: stubTokenizers(ids) } });
    expect(rowsOf(good.rows)).toEqual([...timed('python_batch_render', ''), ...timed('python_batch_prepare', 'tokenizers-py')].sort());
    expect(good.rows.find((r) => r.metric === 'python_batch_prepare')!.note).toContain('tokenize (tokenizers stub');

    const second = batch.prompts[1];
    const swapped = [...ids[second]];
    [swapped[5], swapped[6]] = [swapped[6], swapped[5]];
    const bad = await runPythonPeer(batch, { workers: 2, quick: true, env: { ...process.env, PYTHONPATH: stubTokenizers({ ...ids, [second]: swapped }) } });
    expect(rowsOf(bad.rows)).toEqual([...timed('python_batch_render', ''), 'python_peer {"engine":"jinja2","tokenizer":"tokenizers-py"}'].sort());
    const window = (xs: number[]) => xs.slice(5, 9).join(',');
    expect(bad.rows.find((r) => r.metric === 'python_peer')).toMatchObject({
      status: 'unsupported',
      error: `tokenizers stub gives ids different from the reference at token 5 of prompt 2 of 3 (${window(ids[second])} expected, ${window(swapped)} given)`,
    });
  });

  it.skipIf(!jinja2Present)(`reports where Jinja2 renders a template differently instead of timing it (skipped when ${SKIP})`, async () => {
    const batch = await smallBatch();
    // Python prints the boolean True; @huggingface/jinja prints true.
    const source = '{{ messages[0].content }} {{ true }}';
    const prompts = batch.contexts.map((c) => compileTemplate('jinja', source).render(c));
    const { rows } = await runPythonPeer({ ...batch, source, prompts }, { workers: 2, quick: true });
    const content = String(batch.contexts[0].messages[0].content);
    expect(rows).toEqual([
      {
        params: { engine: 'jinja2' },
        metric: 'python_peer',
        unit: 'status',
        status: 'unsupported',
        error: `Jinja2 (transformers' sandbox) renders the batch differently from the reference (@huggingface/jinja): chat 1: ${describeDifference(`${content} true`, `${content} True`)}`,
      },
    ]);
  });

  it('says python3 is not on PATH in one row, and does not throw', async () => {
    const batch = await smallBatch();
    const { rows } = await runPythonPeer(batch, { workers: 2, quick: true, env: { ...process.env, PATH: tempDir() } });
    expect(rows).toEqual([{ params: { engine: 'jinja2' }, metric: 'python_peer', unit: 'status', status: 'unsupported', error: 'python3 not found on PATH' }]);
  });

  it.skipIf(!jinja2Present)(`says python3 has no jinja2 in one row (a python3 that sees no site-packages; skipped when ${SKIP})`, async () => {
    const bin = tempDir();
    writeFileSync(join(bin, 'python3'), `#!/bin/sh\nexec ${JSON.stringify(pythonExecutable)} -S -E "$@"\n`);
    chmodSync(join(bin, 'python3'), 0o755);
    const batch = await smallBatch();
    const { rows } = await runPythonPeer(batch, { workers: 2, quick: true, env: { ...process.env, PATH: `${bin}:/usr/bin:/bin` } });
    expect(rows).toEqual([{ params: { engine: 'jinja2' }, metric: 'python_peer', unit: 'status', status: 'unsupported', error: 'python3 has no jinja2' }]);
  });

  it.skipIf(!jinja2Present)(`kills a child past its time bound and says so in an error row (skipped when ${SKIP})`, async () => {
    // Warm-up alone takes ≥ 200 ms per strategy in the quick plan: 300 ms cannot suffice.
    const batch = await smallBatch();
    const { rows } = await runPythonPeer(batch, { workers: 2, quick: true, timeoutMs: 300 });
    expect(rows).toEqual([{ params: { engine: 'jinja2' }, metric: 'python_peer', unit: 'status', status: 'error', error: 'the Python peer did not finish within 0.3 s; it was killed' }]);
  });

  it('sends the template source, the reference contexts and the tokenizer.json of the point', async () => {
    const batch = await smallBatch();
    expect(batch.source).toBe(await getTemplateVariant(TEMPLATE).load());
    expect(batch.contexts[0]).toMatchObject({ add_generation_prompt: true, bos_token: '<|begin_of_text|>', date_string: '26 Jul 2024' });
    expect(batch.tokenizerJson).toMatch(/tokenizer-llama3_1\/models\/tokenizer\.json$/);
  });
});

function row(fields: Partial<ResultRow>): ResultRow {
  return {
    run_id: 'r', suite: 'preprocessing', experiment: 11, model: 'llama3.1', template: 'llama3.1-full', text: 'synthetic', engine: '', tokenizer: '', strategy: '', workers: '', requests: 16,
    metric: 'm', unit: 'ms', n: 30, median: 1, p90: '', p99: '', mean: '', sd: '', ci_low: '', ci_high: '', status: 'ok', error: '', note: '',
    runs: 3, between_sd: '', within_half_pct: '', warmup_n: '', warmup_ms: '', ...fields,
  };
}

describe('pythonFinding', () => {
  const node = [
    row({ metric: 'batch_prepare', engine: 'jinja', tokenizer: 'js', strategy: 'main', workers: 1, median: 80, ci_low: 70, ci_high: 90 }),
    row({ metric: 'batch_prepare', engine: 'nunjucks', tokenizer: 'tiktoken', strategy: 'pool', workers: 2, median: 20, ci_low: 18, ci_high: 22 }),
  ];
  const render = (strategy: string, workers: number, median: number) => row({ metric: 'python_batch_render', engine: 'jinja2', strategy, workers, median, ci_low: median * 0.9, ci_high: median * 1.1 });
  const missing = (error: string, tokenizer = '') => row({ metric: 'python_peer', unit: 'status', engine: 'jinja2', tokenizer, status: 'unsupported', error, median: '', n: '' });

  it("compares Python's fastest batch with Node's fastest pipeline, saying what Python's figure leaves out", () => {
    const f = pythonFinding('llama3.1-synthetic', 'llama3.1, synthetic', [...node, render('python-main', 1, 30), render('python-processes', 2, 25), missing('python3 has no `tokenizers` module', 'tokenizers-py')]);
    expect(f?.text).toMatch(
      /^llama3\.1, synthetic: Python \(Jinja2 sandbox\) on the same batch: best 25 ms \(95% CI 22\.5–27\.5\) per batch \(python-processes×2, render only\), Node's best pipeline 20 ms \(95% CI 18–22\) \(nunjucks \+ tiktoken on pool×2, render \+ tokenize \+ collate\): 1\.25× \(95% CI [\d.]+–[\d.]+\) Python's time over Node's \(unpaired: Python ran in its own process after the paired rounds\); Python's figure leaves tokenizing out \(python3 has no `tokenizers` module\), so its stack takes at least that\.$/,
    );
  });

  it('prefers render + tokenize rows when Python has them', () => {
    const prepare = row({ metric: 'python_batch_prepare', engine: 'jinja2', tokenizer: 'tokenizers-py', strategy: 'python-threads', workers: 2, median: 40 });
    expect(pythonFinding('x', 'x', [...node, render('python-main', 1, 10), prepare])?.text).toBe(
      "x: Python (Jinja2 sandbox + tokenizers) on the same batch: best 40 ms per batch (python-threads×2, render + tokenize), Node's best pipeline 20 ms (95% CI 18–22) (nunjucks + tiktoken on pool×2, render + tokenize + collate): 2× Python's time over Node's (unpaired: Python ran in its own process after the paired rounds).",
    );
  });

  it('says why there are no Python rows, once per reason', () => {
    expect(pythonFinding('x', 'x', [...node, missing('python3 not found on PATH'), missing('python3 not found on PATH')])?.text).toBe("x: no Python rows beside Node's — python3 not found on PATH.");
    expect(pythonFinding('x', 'x', node)).toBeUndefined();
  });
});
