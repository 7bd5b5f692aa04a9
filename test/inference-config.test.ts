import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../common/cli/input-error.ts';
import { loadConfig, loadPromptsFile, parseSlo, parseTargetUrl, resolveInferenceOptions, validateConfig } from '../suites/inference/config.ts';
import { tempDir } from './helpers.ts';

const dir = tempDir();
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('--slo', () => {
  it('parses ttft/tpot/e2e in milliseconds', () => {
    expect(parseSlo('ttft=500,tpot=50')).toEqual({ ttft: 500, tpot: 50 });
    expect(parseSlo(' e2e = 2000ms ')).toEqual({ e2e: 2000 });
  });
  it('rejects bad input with the reason', () => {
    expect(() => parseSlo('ttft')).toThrow(/--slo: 'ttft' is not key=value/);
    expect(() => parseSlo('latency=5')).toThrow(/--slo: unknown key 'latency'; valid: ttft, tpot, e2e/);
    expect(() => parseSlo('ttft=-1')).toThrow("--slo: ttft: must be a number > 0 and ≤ 86400000 (ms), got '-1'");
    expect(() => parseSlo('tpot=abc')).toThrow(/got 'abc'/);
    expect(() => parseSlo('')).toThrow(InputError);
  });
});

describe('--target', () => {
  it('accepts http(s) base URLs and rejects the rest', () => {
    expect(parseTargetUrl('http://127.0.0.1:8000/v1/')).toBe('http://127.0.0.1:8000/v1');
    expect(() => parseTargetUrl('localhost:8000')).toThrow(/--target: 'localhost:8000' must be http:\/\/ or https:\/\//);
    expect(() => parseTargetUrl('not a url')).toThrow(/--target: 'not a url' is not a URL/);
  });
  it('userinfo is kept for the requests (Basic auth) and shown as *** wherever the target is named', () => {
    expect(parseTargetUrl('http://u:p@127.0.0.1:8000/v1/')).toBe('http://u:p@127.0.0.1:8000/v1');
    expect(resolveInferenceOptions({ target: 'http://u:p@h:1/v1' }).targets).toEqual([{ name: 'http://***@h:1/v1', url: 'http://u:p@h:1/v1', model: undefined, client: 'fetch' }]);
    expect(validateConfig({ targets: [{ url: 'https://me:s%40cret@h/v1' }, { name: 'see http://a:b@h', url: 'http://h/v1' }] }).targets!.map((t) => t.name)).toEqual(['https://***@h/v1', 'see http://***@h']);
    expect(() => parseTargetUrl('ftp://u:p@h/v1')).toThrow("--target: 'ftp://***@h/v1' must be http:// or https://");
  });
  it('--model needs --target; flags override the config', () => {
    expect(() => resolveInferenceOptions({ model: 'llama' })).toThrow(/--model needs --target/);
    const o = resolveInferenceOptions({ target: 'http://h:1/v1', model: 'm', slo: 'ttft=100' });
    expect(o.targets).toEqual([{ name: 'http://h:1/v1', url: 'http://h:1/v1', model: 'm', client: 'fetch' }]);
    expect(o.slo).toEqual({ ttft: 100 });
    expect(resolveInferenceOptions({}).targets).toEqual([{ name: 'embedded', client: 'fetch' }]);
    expect(() => resolveInferenceOptions({ client: 'curl' })).toThrow(/--client: unknown client 'curl'; valid: fetch, openai/);
  });
});

describe('YAML config', () => {
  it('a full config is read, relative dataset paths resolved beside it', () => {
    file('p.jsonl', '{"messages":[{"role":"user","content":"hi"}],"max_tokens":8}\n{"prompt":"Once"}\n');
    const path = file(
      'ok.yaml',
      `targets:
  - name: vllm
    url: http://10.0.0.5:8000/v1
    model: meta-llama/Llama-3.1-8B-Instruct
    client: openai
  - embedded: { size: tiny, parallel: 8 }
prompts:
  - { name: short, input_tokens: 128, output_tokens: 32 }
  - { file: p.jsonl }
concurrency: [1, 4]
requests: 20
duration_s: 15
warmup: 1
timeout_s: 30
slo: { ttft: 500, tpot: 50 }
`,
    );
    const c = loadConfig(path);
    expect(c.targets).toEqual([
      { name: 'vllm', url: 'http://10.0.0.5:8000/v1', model: 'meta-llama/Llama-3.1-8B-Instruct', client: 'openai' },
      { name: 'embedded', client: 'fetch', embedded: { size: 'tiny', threads: undefined, parallel: 8 } },
    ]);
    expect(c.prompts![0]).toEqual({ name: 'short', inputTokens: 128, outputTokens: 32 });
    expect(c.prompts![1].prompts).toEqual([{ messages: [{ role: 'user', content: 'hi' }], maxTokens: 8 }, { prompt: 'Once' }]);
    expect(c).toMatchObject({ concurrency: [1, 4], requests: 20, durationS: 15, warmup: 1, timeoutS: 30, slo: { ttft: 500, tpot: 50 } });
  });

  it('errors name the file, the field and the reason', () => {
    const bad = (doc: unknown) => () => validateConfig(doc, 'bench.yaml');
    expect(bad([1, 2])).toThrow("bench.yaml: (top level): expected a mapping");
    expect(bad({ targets: [{ model: 'x' }] })).toThrow("bench.yaml: targets[0]: needs 'url' (an OpenAI-compatible base URL) or 'embedded'");
    expect(bad({ targets: [{ url: 'ftp://x/v1' }] })).toThrow("bench.yaml: targets[0].url: 'ftp://x/v1' must be http:// or https://");
    expect(bad({ targets: [{ url: 'http://a/v1', client: 'curl' }] })).toThrow('bench.yaml: targets[0].client: must be one of fetch, openai, got "curl"');
    expect(bad({ targets: [{ embedded: { size: 'huge' } }] })).toThrow('bench.yaml: targets[0].embedded.size: must be tiny or small, got "huge"');
    expect(bad({ targets: [{ url: 'http://a/v1' }, { url: 'http://a/v1' }] })).toThrow("bench.yaml: targets: two targets are named 'http://a/v1'");
    expect(bad({ concurrency: [1, 0] })).toThrow('bench.yaml: concurrency[1]: must be a whole number from 1 to 4096, got 0');
    expect(bad({ concurrency: 'many' })).toThrow('bench.yaml: concurrency: must be a whole number from 1 to 4096, got "many"');
    expect(bad({ rate: [-2] })).toThrow('bench.yaml: rate[0]: must be a number > 0 and ≤ 100000 (requests/s), got -2');
    expect(bad({ prompts: [{ name: 'x' }] })).toThrow("bench.yaml: prompts[0]: needs 'input_tokens' (synthetic prompts) or 'file' (JSONL dataset)");
    expect(bad({ slo: { ttft: 'fast' } })).toThrow('bench.yaml: slo.ttft: must be a number > 0 and ≤ 86400000 (ms), got "fast"');
    expect(bad({ concurency: [1] })).toThrow('bench.yaml: concurency: unknown field; valid: targets, prompts, concurrency');
    expect(bad({ warmup: -1 })).toThrow('bench.yaml: warmup: must be a whole number from 0 to 10000, got -1');
  });

  it('every number has a range; timers stay under Node\'s 2^31−1 ms', () => {
    const bad = (doc: unknown) => () => validateConfig(doc, 'bench.yaml');
    expect(bad({ timeout_s: 1e12 })).toThrow('bench.yaml: timeout_s: must be a number > 0 and ≤ 86400 (seconds), got 1000000000000');
    expect(bad({ timeout_s: 0 })).toThrow('bench.yaml: timeout_s: must be a number > 0 and ≤ 86400 (seconds), got 0');
    expect(validateConfig({ timeout_s: 86_400, duration_s: 0.5 }).timeoutS).toBe(86_400);
    expect(bad({ concurrency: [-1] })).toThrow('bench.yaml: concurrency[0]: must be a whole number from 1 to 4096, got -1');
    expect(bad({ concurrency: [1.5] })).toThrow('bench.yaml: concurrency[0]: must be a whole number from 1 to 4096, got 1.5');
    expect(bad({ requests: 1e7 })).toThrow('bench.yaml: requests: must be a whole number from 1 to 1000000, got 10000000');
    expect(bad({ rate: [1e6] })).toThrow('bench.yaml: rate[0]: must be a number > 0 and ≤ 100000 (requests/s), got 1000000');
    expect(bad({ prompts: [{ input_tokens: 1e9 }] })).toThrow('bench.yaml: prompts[0].input_tokens: must be a whole number from 1 to 131072 (tokens), got 1000000000');
    expect(bad({ prompts: [{ input_tokens: 8, output_tokens: 0 }] })).toThrow('bench.yaml: prompts[0].output_tokens: must be a whole number from 1 to 131072 (tokens), got 0');
    expect(bad({ targets: [{ embedded: { threads: 1000 } }] })).toThrow('bench.yaml: targets[0].embedded.threads: must be a whole number from 1 to 256, got 1000');
    expect(bad({ targets: [{ embedded: { parallel: 0 } }] })).toThrow('bench.yaml: targets[0].embedded.parallel: must be a whole number from 1 to 4096, got 0');
    expect(bad({ slo: { e2e: 1e12 } })).toThrow('bench.yaml: slo.e2e: must be a number > 0 and ≤ 86400000 (ms), got 1000000000000');
    expect(() => parseSlo('tpot=1e9')).toThrow("--slo: tpot: must be a number > 0 and ≤ 86400000 (ms), got '1e9'");
  });

  it('malformed YAML and missing files are named', () => {
    expect(() => loadConfig(file('broken.yaml', 'targets: [\n  - url: http://a\n'))).toThrow(/broken\.yaml: not valid YAML: /);
    expect(() => loadConfig(join(dir, 'nope.yaml'))).toThrow(/--config: .*nope\.yaml: cannot read file \(ENOENT/);
    // Only regular files are read: a folder or a FIFO would fail late or block forever.
    expect(() => loadConfig(dir)).toThrow(/--config: .*: cannot read file/);
    const fifo = join(dir, 'prompts.fifo');
    execFileSync('mkfifo', [fifo]);
    expect(() => loadPromptsFile(fifo)).toThrow(`--prompts: ${fifo}: cannot read file: it is a FIFO (named pipe), not a regular file`);
    expect(() => loadConfig(file('ds.yaml', 'prompts:\n  - file: missing.jsonl\n'))).toThrow(/ds\.yaml: prompts\[0\]\.file: .*missing\.jsonl: cannot read file \(ENOENT/);
  });

  it('JSONL prompts: line-numbered errors', () => {
    expect(() => loadPromptsFile(file('a.jsonl', '{"prompt":"ok"}\n{oops\n'))).toThrow(/a\.jsonl:2: not valid JSON/);
    expect(() => loadPromptsFile(file('b.jsonl', '{"messages":[{"role":"user"}]}\n'))).toThrow(/b\.jsonl:1: messages\[0\] needs string "role" and "content"/);
    expect(() => loadPromptsFile(file('c.jsonl', '{"text":"x"}\n'))).toThrow(/c\.jsonl:1: expected "messages" \(array\) or "prompt" \(string\)/);
    expect(() => loadPromptsFile(file('d.jsonl', '{"prompt":"x","max_tokens":0}\n'))).toThrow(/d\.jsonl:1: "max_tokens": must be a whole number from 1 to 131072 \(tokens\), got 0/);
    expect(() => loadPromptsFile(file('e.jsonl', '\n\n'))).toThrow(/has no prompts/);
  });
});
