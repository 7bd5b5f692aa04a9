import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPreprocessor } from '../common/measure/pipeline.ts';
import { cli, tempDir } from './helpers.ts';

describe('bench CLI: bad input exits 2 with a message naming the valid choices', () => {
  it('unknown experiment', async () => {
    const r = await cli('--exp', '1', '42');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown experiment '42'; valid: 1 \(anatomy\), 2 \(history\), 3 \(queue\), 4 \(contention\)/);
  });

  it('non-numeric experiment', async () => {
    const r = await cli('--exp', 'abc');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/experiment must be a number, got 'abc'/);
  });

  it('unknown model', async () => {
    const r = await cli('--models', 'qwen3,llama9');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown model 'llama9'; valid: llama3.1, qwen3, deepseek-v3, gemma3/);
  });

  it('unknown tokenizer, and --tokenizers with only experiments that do not read it', async () => {
    const r = await cli('--tokenizers', 'tiktoken,sentencepiece');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown tokenizer 'sentencepiece'; valid: js, native, tiktoken, js-tiktoken, gpt-tokenizer, ms-tiktokenizer, llama3-tokenizer-js/);
    const unused = await cli('--exp', '8', '--tokenizers', 'tiktoken');
    expect(unused.code).toBe(2);
    expect(unused.stderr).toMatch(/--tokenizers is used by experiments 1, 2, 3 and 4, which this run does not include \(it runs: 8\)/);
  });

  it('unknown engine and strategy', async () => {
    expect((await cli('--engines', 'jinja2')).stderr).toMatch(/unknown engine 'jinja2'; valid: jinja, nunjucks/);
    const r = await cli('--strategies', 'gpu');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown strategy 'gpu'; valid: main, pool, process, native/);
  });

  it('unknown suite', async () => {
    const r = await cli('--suite', 'training');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown suite 'training'/);
  });

  it('unknown flag and bad seed', async () => {
    const a = await cli('--fast');
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/unknown option '--fast'/);
    const b = await cli('--seed', 'x1');
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/'x1' is not a whole number from 0 to 4294967295/);
  });

  it('--help and --list exit 0 and describe the suite', async () => {
    const h = await cli('--help');
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/--quick/);
    const l = await cli('--list');
    expect(l.code).toBe(0);
    expect(l.stdout).toMatch(/suite preprocessing/);
    expect(l.stdout).toMatch(/3 +queue/);
  });
});

describe('bench render', () => {
  const dir = tempDir();
  const chatPath = join(dir, 'chat.json');
  writeFileSync(chatPath, JSON.stringify([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'What is 2+2?' }]));

  it('prints the exact prompt the suite measures, and the token count on stderr', async () => {
    const r = await cli('render', '--model', 'qwen3', '--messages', chatPath);
    expect(r.code).toBe(0);
    const pre = await createPreprocessor({ template: 'qwen3', engine: 'jinja', tokenizer: 'js' });
    const expected = pre.render([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'What is 2+2?' }]);
    expect(r.stdout).toBe(expected);
    expect(r.stdout).toBe('<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n');
    const ids = await pre.tokenize(expected);
    expect(r.stderr).toMatch(new RegExp(`${ids.length} tokens`));
  });

  it('warns of a message the template renders nothing of (a role it does not know), naming its index and role', async () => {
    const path = join(dir, 'developer.json');
    const messages = [
      { role: 'system', content: 'Be brief.' },
      { role: 'developer', content: 'Answer in French.' },
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: '<think>\nshort\n</think>\n\nHello!' },
      { role: 'user', content: 'Again' },
    ];
    writeFileSync(path, JSON.stringify(messages));
    const qwen = await cli('render', '--model', 'qwen3', '--messages', path);
    expect(qwen.code).toBe(0);
    expect(qwen.stdout).not.toContain('Answer in French.');
    // The past assistant turn lost only its reasoning: no warning for it.
    expect(qwen.stderr.split('\n').filter((l) => l.startsWith('warning'))).toEqual(["warning: message 1 (role 'developer') is not in the prompt: template 'qwen3' rendered none of its content"]);
    const llama = await cli('render', '--model', 'llama3.1', '--messages', path);
    expect(llama.stdout).toContain('Answer in French.');
    expect(llama.stderr).not.toContain('warning');
  });

  it('--ids prints the token ids', async () => {
    const r = await cli('render', '--model', 'llama3.1', '--messages', chatPath, '--ids');
    expect(r.code).toBe(0);
    const ids = JSON.parse(r.stdout);
    expect(ids[0]).toBe(128000); // <|begin_of_text|>
  });

  it('names the file and the problem for malformed messages', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"messages": [ {"role": "user"');
    let r = await cli('render', '--model', 'qwen3', '--messages', bad);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad}: not valid JSON`);

    writeFileSync(bad, JSON.stringify([{ role: 'user', content: 'hi' }, { content: 'no role' }]));
    r = await cli('render', '--model', 'qwen3', '--messages', bad);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad}: message 1 has no "role" string`);

    r = await cli('render', '--model', 'qwen3', '--messages', join(dir, 'missing.json'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing\.json: cannot read file \(ENOENT\)/);
  });

  it('rejects an unknown model or engine with exit 2', async () => {
    expect((await cli('render', '--model', 'gpt5', '--messages', chatPath)).code).toBe(2);
    const r = await cli('render', '--model', 'qwen3', '--engine', 'mustache', '--messages', chatPath);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown engine 'mustache'/);
  });
});

describe('every numeric flag has a stated range, every list flag refuses emptiness (exit 2 naming the flag)', () => {
  const refused = [
    [['--runs', '99999999999999999999'], "option '--runs <n>' argument '99999999999999999999' is invalid. '99999999999999999999' is not a whole number from 1 to 1000."],
    [['--runs', '0'], "option '--runs <n>' argument '0' is invalid. '0' is not a whole number from 1 to 1000."],
    [['--runs', '-1'], "option '--runs <n>' argument '-1' is invalid. '-1' is not a whole number from 1 to 1000."],
    [['--runs', '1.5'], "option '--runs <n>' argument '1.5' is invalid. '1.5' is not a whole number from 1 to 1000."],
    [['--runs', 'three'], "option '--runs <n>' argument 'three' is invalid. 'three' is not a whole number from 1 to 1000."],
    [['--point-timeout', '3000000'], "option '--point-timeout <seconds>' argument '3000000' is invalid. '3000000' is not a whole number of seconds from 1 to 86400."],
    [['--point-timeout', '0'], "option '--point-timeout <seconds>' argument '0' is invalid. '0' is not a whole number of seconds from 1 to 86400."],
    [['--seed', '4294967296'], "option '--seed <n>' argument '4294967296' is invalid. '4294967296' is not a whole number from 0 to 4294967295."],
    [['--workers', '100000'], "option '--workers <list>' argument '100000' is invalid. '100000' is not a worker count (whole numbers from 1 to 256, comma-separated, e.g. 1,2,4,8)."],
    [['--tokenizers', ''], "option '--tokenizers <list>' argument '' is invalid. '' is an empty list: give at least one name, comma-separated."],
    [['--models', ' , '], "option '-m, --models <list>' argument ' , ' is invalid. ' , ' is an empty list: give at least one name, comma-separated."],
    [['--engines', ''], "option '--engines <list>' argument '' is invalid. '' is an empty list: give at least one name, comma-separated."],
    [['--gateway', ''], "option '--gateway <list>' argument '' is invalid. '' is an empty list: give at least one name, comma-separated."],
    [['--strategies', ','], "option '--strategies <list>' argument ',' is invalid. ',' is an empty list: give at least one name, comma-separated."],
    [['--shard', '1/100001'], "option '--shard <K/N>' argument '1/100001' is invalid. '1/100001' is not a shard: K/N with whole numbers 1 ≤ K ≤ N ≤ 100000, e.g. 1/4."],
    [['--out', ''], "error: --out '' is an empty path: give a folder, e.g. results\n"],
  ] as const;
  for (const [args, message] of refused) {
    it(`${args.join(' ')}`, async () => {
      const r = await cli('--exp', '1', ...args);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(message);
    });
  }
});

describe('--workers', () => {
  for (const bad of ['0', '2,x', '1,,2', '-4', '1.5']) {
    it(`--workers ${bad} exits 2 naming the bad value`, async () => {
      const r = await cli('--workers', bad);
      expect(r.code).toBe(2);
      const item = bad.split(',').find((s) => !/^\d+$/.test(s.trim()) || Number(s) < 1)!;
      expect(r.stderr).toContain(`option '--workers <list>' argument '${bad}' is invalid. '${item}' is not a worker count`);
    });
  }
});

describe('--shard', () => {
  for (const bad of ['0/2', '3/2', 'a/b', '1', '1/0']) {
    it(`--shard ${bad} exits 2 naming the value`, async () => {
      const r = await cli('--shard', bad);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`option '--shard <K/N>' argument '${bad}' is invalid. '${bad}' is not a shard: K/N with whole numbers 1 ≤ K ≤ N ≤ 100000, e.g. 1/4.`);
    });
  }
});
