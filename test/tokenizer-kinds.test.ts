/**
 * Experiment 10 per kind of text: ids checked on every text of every kind a library is timed on, a
 * library that differs on one kind is `differs` there only, the cold/warm ratio is paired per round, the
 * per-kind finding names each kind's winner, and --chats adds the user's chats as a kind.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadLibrary, type LibraryTokenizer } from '../common/assets/tokenizer-libraries.ts';
import type { ResultRow, RowInput } from '../common/results/results.ts';
import type { RunOptions } from '../common/measure/run-options.ts';
import { PASSAGE_KINDS, passages } from '../common/text/passages.ts';
import { tokenizers } from '../experiments/preprocessing/10-tokenizers.ts';
import { preprocessingCli } from '../suites/preprocessing/cli.ts';
import { cacheGrowth, kindFindings, measureTextKind, type KindPlan } from '../suites/preprocessing/tokenizer-kinds.ts';

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;

describe('measureTextKind', () => {
  let hf: LibraryTokenizer;
  let reference: LibraryTokenizer;
  /** @huggingface/tokenizers' ids, with the last id changed on texts holding Chinese or Japanese characters. */
  let wrongOnCjk: LibraryTokenizer;
  beforeAll(async () => {
    const [a, b] = await Promise.all([loadLibrary('hf', 'llama3.1'), loadLibrary('native', 'llama3.1')]);
    if (!a.ok || !b.ok) throw new Error('llama3.1 did not load');
    [hf, reference] = [a.tokenizer, b.tokenizer];
    wrongOnCjk = {
      library: 'tiktoken',
      model: 'llama3.1',
      offThread: false,
      encode: (text) => {
        const ids = [...(hf.encode(text) as number[])];
        if (CJK.test(text)) ids[ids.length - 1] += 1;
        return ids;
      },
    };
  }, 60_000);

  const plan = (): KindPlan => ({
    rounds: { rounds: 3, sliceMs: 0, minCalls: 1, warmupMs: 0, warmupCalls: 1 },
    seed: 1,
    baseline: 'hf',
    coldWarm: { rounds: 4, warmup: ['warm-up text'], fresh: (r) => [`never seen ${r} alpha`, `never seen ${r} beta`] },
  });
  const quiet = { progress: () => {} };
  const texts = {
    english: ['The jury said it did not find evidence.', 'A second sentence, in English.'],
    multilingual: ['Toute personne a droit à la liberté.', '人人生而自由，在尊严和权利上一律平等。', 'Все люди рождаются свободными.'],
  };

  it('checks every library on every text of a kind; one that differs on CJK is `differs` with its position there only', async () => {
    const libraries = [
      { library: 'hf' as const, tokenizer: hf },
      { library: 'tiktoken' as const, tokenizer: wrongOnCjk },
      { library: 'gpt-tokenizer' as const, tokenizer: hf, excluded: 'unicode whitespace: differs at token 5' },
    ];
    const rows: Record<string, RowInput[]> = {};
    for (const [kind, list] of Object.entries(texts)) rows[kind] = await measureTextKind(kind, list, libraries, reference, plan(), quiet);

    const ids = (kind: string) => rows[kind].filter((r) => r.metric === 'ids').map((r) => [r.params?.library, r.params?.text, r.status, r.error ?? '']);
    expect(ids('english')).toEqual([
      ['hf', 'english', 'ok', ''],
      ['tiktoken', 'english', 'ok', ''],
      ['gpt-tokenizer', 'english', 'ok', ''],
    ]);
    const cjk = await reference.encode(texts.multilingual[1]);
    const last = cjk.length - 1;
    expect(ids('multilingual')).toEqual([
      ['hf', 'multilingual', 'ok', ''],
      ['tiktoken', 'multilingual', 'unsupported', `differs at token ${last} of text 2/3: expected ${cjk[last]}, got ${cjk[last] + 1}`],
      ['gpt-tokenizer', 'multilingual', 'ok', ''],
    ]);

    // A speed figure only where the ids were checked identical on that kind (and on every adversarial text).
    const timed = (kind: string) => rows[kind].filter((r) => r.metric === 'encode' && r.status === undefined).map((r) => r.params?.library);
    expect(timed('english')).toEqual(['hf', 'tiktoken']);
    expect(timed('multilingual')).toEqual(['hf']);
    for (const kind of Object.keys(texts)) {
      for (const library of timed(kind)) expect(rows[kind].find((r) => r.metric === 'ids' && r.params?.library === library)?.status).toBe('ok');
    }
    const notTimed = (kind: string) => rows[kind].filter((r) => r.metric === 'encode' && r.status === 'unsupported').map((r) => [r.params?.library, r.error]);
    expect(notTimed('multilingual')).toEqual([
      ['tiktoken', `multilingual: differs at token ${last} of text 2/3: expected ${cjk[last]}, got ${cjk[last] + 1}; no speed figure`],
      ['gpt-tokenizer', 'unicode whitespace: differs at token 5; no speed figure'],
    ]);
    expect(rows.english.filter((r) => r.metric === 'speedup_vs_hf').map((r) => r.params?.library)).toEqual(['tiktoken']);
    expect(rows.multilingual.filter((r) => r.metric === 'speedup_vs_hf')).toEqual([]);
  }, 60_000);

  it('tokens/s and the speedup are paired per round; cold/warm: one paired ratio per round for every timed library', async () => {
    const rows = await measureTextKind('english', texts.english, [{ library: 'hf', tokenizer: hf }, { library: 'tiktoken', tokenizer: wrongOnCjk }], reference, plan(), quiet);
    expect(rows.filter((r) => r.metric === 'tokens_per_s' || r.metric === 'speedup_vs_hf').map((r) => [r.metric, r.params?.library, r.samples?.length])).toEqual([
      ['tokens_per_s', 'hf', 3],
      ['tokens_per_s', 'tiktoken', 3],
      ['speedup_vs_hf', 'tiktoken', 3],
    ]);
    const cold = rows.filter((r) => r.metric === 'cold_warm');
    expect(cold.map((r) => [r.params?.library, r.params?.text, r.unit, r.samples?.length])).toEqual([
      ['hf', 'english', 'x', 4],
      ['tiktoken', 'english', 'x', 4],
    ]);
    for (const r of cold) {
      expect(r.note).toMatch(/^time of a first pass over 2 never-seen english passages \/ a repeat of the same passages right after .*paired in each round; per round, median over 4 rounds$/);
      for (const ratio of r.samples!) expect(ratio).toBeGreaterThan(0);
    }
  });

  it('the reference, itself a timed library, encodes no timed text before the rounds (that would warm its cache)', async () => {
    const calls: string[] = [];
    const logged = (library: 'native' | 'hf', tok: LibraryTokenizer): LibraryTokenizer => ({ ...tok, library, offThread: false, encode: (text) => (calls.push(library), hf.encode(text)) });
    const native = logged('native', hf);
    const noColdWarm: KindPlan = { ...plan(), coldWarm: undefined, rounds: { rounds: 3, sliceMs: 0, minCalls: 1, warmupMs: 0, warmupCalls: 1 } };
    const four = ['one text', 'two texts', 'three texts', 'four texts'];
    await measureTextKind('english', four, [{ library: 'native', tokenizer: native }, { library: 'hf', tokenizer: logged('hf', hf) }], native, noColdWarm, quiet);
    // Before hf's first timed call, native has run at most its own first round: warm-up + one slice.
    expect(calls.indexOf('hf')).toBeLessThanOrEqual(2);
  });

  it('memory after each checkpoint of distinct passages, per library', async () => {
    const growth = { checkpoints: [2, 5], passage: (i: number) => `passage number ${i}`, what: 'test passages' };
    const rows = await cacheGrowth('english', [{ library: 'hf', tokenizer: hf }, { library: 'tiktoken', tokenizer: wrongOnCjk }], growth, quiet);
    expect(rows.map((r) => [r.params?.library, r.params?.passages, r.metric, r.unit, typeof r.value])).toEqual([
      ['hf', 2, 'cache_memory', 'MB', 'number'],
      ['hf', 5, 'cache_memory', 'MB', 'number'],
      ['tiktoken', 2, 'cache_memory', 'MB', 'number'],
      ['tiktoken', 5, 'cache_memory', 'MB', 'number'],
    ]);
  }, 60_000);
});

function row(fields: Partial<ResultRow>): ResultRow {
  return {
    run_id: 'r', suite: 'preprocessing', experiment: 10, model: 'llama3.1', library: '', text: '', tokens: '', passages: '',
    metric: 'm', unit: 'x', n: 12, median: 1, p90: '', p99: '', mean: '', sd: '', ci_low: '', ci_high: '', status: 'ok', error: '', note: '',
    runs: 3, between_sd: '', within_half_pct: '', warmup_n: '', warmup_ms: '', ...fields,
  };
}
const ci = (median: number, low: number, high: number) => ({ median, ci_low: low, ci_high: high });

describe('the per-kind findings', () => {
  const rows = [
    row({ text: 'english', library: 'ms-tiktokenizer', metric: 'speedup_vs_hf', ...ci(3.9, 3.7, 4.1) }),
    row({ text: 'english', library: 'tiktoken', metric: 'speedup_vs_hf', ...ci(2.6, 2.5, 2.7) }),
    row({ text: 'multilingual', library: 'ms-tiktokenizer', metric: 'speedup_vs_hf', ...ci(1.3, 1.2, 1.4) }),
    row({ text: 'multilingual', library: 'tiktoken', metric: 'speedup_vs_hf', ...ci(1.9, 1.8, 2.0) }),
    row({ text: 'synthetic', library: 'ms-tiktokenizer', metric: 'speedup_vs_hf', ...ci(14, 12, 16) }),
    row({ text: 'english', library: 'ms-tiktokenizer', metric: 'tokens_per_s', unit: 'tok/s', median: 700_000 }),
    row({ text: 'synthetic', library: 'ms-tiktokenizer', metric: 'tokens_per_s', unit: 'tok/s', median: 2_800_000 }),
    row({ text: 'english', library: 'hf', metric: 'cold_warm', ...ci(1.12, 1.02, 1.2) }),
    row({ text: 'english', library: 'ms-tiktokenizer', metric: 'cache_memory', unit: 'MB', passages: 50, median: 2 }),
    row({ text: 'english', library: 'ms-tiktokenizer', metric: 'cache_memory', unit: 'MB', passages: 500, median: 20 }),
  ];

  it('names the fastest identical library of each kind, and says the winner differs by kind', () => {
    const found = kindFindings(rows, 'llama3.1', PASSAGE_KINDS);
    expect(found.map((f) => f.id)).toEqual(['fastest-by-text-llama3.1', 'synthetic-vs-real-llama3.1', 'cold-warm-llama3.1', 'cache-memory-llama3.1']);
    expect(found[0].text).toBe(
      'llama3.1, the fastest identical library per kind of text (speedup over @huggingface/tokenizers, paired per round): ' +
        'english: ms-tiktokenizer 3.9× (95% CI 3.7–4.1) (700k tokens/s); multilingual: tiktoken 1.9× (95% CI 1.8–2); synthetic: ms-tiktokenizer 14× (95% CI 12–16) (2.80M tokens/s). ' +
        'The winner differs by kind of text: ms-tiktokenizer on english, synthetic; tiktoken on multilingual.',
    );
    expect(found[1].text).toBe("llama3.1, tokens/s on the suite's synthetic text against real text, in the same processes (each library's figure per kind; ×: real / synthetic): ms-tiktokenizer 2.80M on synthetic → english 700k (×0.25).");
    expect(found[2].text).toMatch(/^llama3\.1, a first pass over never-seen passages .*: english: hf 1\.12× \(95% CI 1\.02–1\.2\)\.$/);
    expect(found[3].text).toMatch(/after encoding 500 distinct passages .*: english: ms-tiktokenizer 20(\.0)? MB \(2(\.00)? after 50\)\.$/);
  });

  it('a kind where every other library is slower names @huggingface/tokenizers as its winner', () => {
    const slower = [...rows.filter((r) => r.text !== 'multilingual'), row({ text: 'multilingual', library: 'js-tiktoken', metric: 'speedup_vs_hf', ...ci(0.13, 0.12, 0.14) })];
    expect(kindFindings(slower, 'llama3.1', PASSAGE_KINDS)[0].text).toMatch(/; multilingual: @huggingface\/tokenizers itself \(the next, js-tiktoken, 0\.13× \(95% CI 0\.12–0\.14\)\);.* The winner differs by kind of text: ms-tiktokenizer on english, synthetic; hf on multilingual\.$/);
  });

  it('one winner on every kind is said so', () => {
    const one = rows.filter((r) => !(r.metric === 'speedup_vs_hf' && r.text === 'multilingual'));
    expect(kindFindings(one, 'llama3.1', PASSAGE_KINDS)[0].text).toMatch(/The same library wins on every kind measured: ms-tiktokenizer\.$/);
  });
});

describe('--chats', () => {
  const options = (flags: Record<string, unknown>) => ({ quick: true, seed: 1, suites: { preprocessing: preprocessingCli.resolve(flags, { quick: true, experiments: [10] }) } }) as unknown as RunOptions;
  const kinds = (o: RunOptions) => (tokenizers.matrix(o) as { kind: string; model: string; text?: string }[]).filter((p) => p.kind === 'text' && p.model === 'llama3.1').map((p) => p.text);

  it('adds the user\'s chats as one more kind of text of experiment 10', () => {
    expect(kinds(options({}))).toEqual(['english', 'multilingual', 'code', 'synthetic']);
    expect(kinds(options({ chats: 'test/fixtures/chats/openai-50.jsonl' }))).toEqual(['english', 'multilingual', 'code', 'synthetic', expect.stringMatching(/^chats:openai-50\.jsonl@[0-9a-f]{8}$/)]);
  });
});

it('passages of a kind are seeded and distinct', () => {
  for (const kind of PASSAGE_KINDS) {
    const a = passages(kind, 200, 30, 5);
    expect(passages(kind, 200, 30, 5)).toEqual(a);
    expect(new Set(a).size).toBe(30);
  }
});
