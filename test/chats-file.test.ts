/** --chats FILE: OpenAI-style JSONL and ShareGPT JSON read as they are; malformed files exit 2 naming where. */
import { mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHATS_FILE_MAX_MB, chatsFileRecord, readChatsFile, sampleChats } from '../common/text/chats-file.ts';
import { createPreprocessor } from '../common/measure/pipeline.ts';
import { median } from '../common/stats/stats.ts';
import { cli, onlyRun, readCsv, tempDir } from './helpers.ts';

const OPENAI = new URL('./fixtures/chats/openai-50.jsonl', import.meta.url).pathname;
const SHAREGPT = new URL('./fixtures/chats/sharegpt-small.json', import.meta.url).pathname;

describe('reading a chats file', () => {
  it('OpenAI-style JSONL: one chat a line, messages as they are', () => {
    const file = readChatsFile(OPENAI);
    expect(file.format).toBe('openai-jsonl');
    expect(file.chats).toHaveLength(50);
    expect(file.chats[0].map((m) => m.role)).toEqual(['system', 'user']);
    expect(file.chats[0][0].content.startsWith('The telephone rang.')).toBe(true);
  });

  it('ShareGPT JSON: speakers mapped to roles, values as content', () => {
    const file = readChatsFile(SHAREGPT);
    expect(file.format).toBe('sharegpt');
    expect(file.chats.map((c) => c.length)).toEqual([2, 5, 4, 2]);
    expect(file.chats[1].map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user', 'assistant']);
    expect(file.chats[1][1].content).toBe('日本で一番高い山は何ですか？');
  });

  it('samples up to n chats in file order: all when the file has no more, else the same seeded subset in every process', () => {
    const record = chatsFileRecord(OPENAI);
    expect(record.label).toMatch(/^chats:openai-50\.jsonl@[0-9a-f]{8}$/);
    const all = readChatsFile(OPENAI).chats;
    expect(sampleChats(record, 64, 1)).toEqual(all);
    const a = sampleChats(record, 16, 7);
    expect(a).toHaveLength(16);
    expect(sampleChats(record, 16, 7)).toEqual(a);
    expect(sampleChats(record, 16, 8)).not.toEqual(a);
    const positions = a.map((chat) => all.indexOf(chat));
    expect(positions).toEqual([...positions].sort((x, y) => x - y));
  });
});

describe('--chats: bad files exit 2 naming the line or index and the field', () => {
  const dir = tempDir();
  const bad = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const good = '{"messages":[{"role":"user","content":"hi"}]}';

  it.each([
    ['content.jsonl', `${good}\n${good}\n{"messages":[{"role":"user","content":"hi"},{"role":"assistant"}]}\n`, /content\.jsonl: line 3: messages\[1\]\.content is missing or not a string/],
    ['role.jsonl', `${good}\n{"messages":[{"content":"hi"}]}\n`, /line 2: messages\[0\]\.role is missing or not a non-empty string/],
    ['json.jsonl', `${good}\n{"messages": [\n`, /line 2: not valid JSON/],
    ['no-messages.jsonl', '{"conversation":[]}\n', /line 1: "messages" is missing or not an array/],
    ['empty-chat.jsonl', '{"messages":[]}\n', /line 1: "messages" is empty/],
    ['from.json', '[{"conversations":[{"from":"human","value":"hi"}]},{"conversations":[{"from":"robot","value":"hi"}]}]', /from\.json: \[1\]\.conversations\[0\]\.from is "robot"; expected one of human, user, gpt/],
    ['value.json', '[{"conversations":[{"from":"human","value":"hi"},{"from":"gpt"}]}]', /\[0\]\.conversations\[1\]\.value is missing or not a string/],
    ['conversations.json', '[{"conversations":[{"from":"human","value":"hi"}]},{"id":"x"}]', /\[1\]\.conversations is missing or not an array/],
    ['no-chats.json', '[]', /the array holds no conversations/],
    ['long.json', `[{"conversations":[{"from":"human","value":"${'x'.repeat(1_000_001)}"}]}]`, /\[0\]\.conversations\[0\]\.value has 1000001 characters, over the limit of 1000000 for one message/],
    ['empty.jsonl', '\n  \n', /empty\.jsonl: the file is empty; expected at least one chat/],
    ['other.txt', 'hello', /expected OpenAI-style JSONL .* or ShareGPT JSON .*; the file starts with 'h'/],
  ])('%s', async (name, text, message) => {
    const r = await cli('--exp', '1', '--chats', bad(name, text));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('a directory, a missing file and one over the size limit', async () => {
    const folder = join(dir, 'folder');
    mkdirSync(folder);
    expect((await cli('--exp', '1', '--chats', folder)).stderr).toMatch(/folder: cannot read file \(EISDIR\)/);
    expect((await cli('--exp', '1', '--chats', join(dir, 'missing.jsonl'))).stderr).toMatch(/missing\.jsonl: cannot read file \(ENOENT\)/);
    const large = bad('large.jsonl', '');
    truncateSync(large, CHATS_FILE_MAX_MB * 2 ** 20 + 1);
    const r = await cli('--exp', '1', '--chats', large);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/large\.jsonl: the file is 64\.0 MB, over the limit of 64 MB for a chats file \(keep a sample of its chats\)/);
  });

  it('is refused for a run without experiment 1, 3 or 4', async () => {
    const r = await cli('--exp', '2', '--chats', OPENAI);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--chats is used by experiments 1, 3, 4 and 10, which this run does not include \(it runs: 2\)/);
  });
});

describe('--chats: experiments measure the chats as they are', () => {
  /** The median token count of the rendered prompts of `chats` (the reference engine and tokenizer). */
  async function medianPromptTokens(template: string, chats: ReturnType<typeof sampleChats>): Promise<number> {
    const pre = await createPreprocessor({ template, engine: 'jinja', tokenizer: 'js' });
    return median(await Promise.all(chats.map(async (m) => (await pre.tokenize(pre.render(m))).length)));
  }
  const run = async (file: string, ...exp: string[]) => {
    const base = tempDir();
    const r = await cli('--exp', ...exp, '--quick', '--runs', '1', '--models', 'llama3.1', '--engines', 'jinja', '--tokenizers', 'js', '--strategies', 'main', '--chats', file, '--seed', '7', '--out', base, '--no-progress');
    expect(r.code, r.stderr).toBe(0);
    return readCsv(join(onlyRun(base), 'results.csv'));
  };

  it('a 50-chat OpenAI JSONL file: 16 of them per batch (quick), each one request, their token counts reported', async () => {
    const rows = await run(OPENAI, '1', '3');
    const label = chatsFileRecord(OPENAI).label;
    const points = rows.filter((r) => r.template !== '');
    expect(new Set(points.map((r) => r.text))).toEqual(new Set([label]));
    const expected = await medianPromptTokens(points[0].template, sampleChats(chatsFileRecord(OPENAI), 16, 7));
    for (const experiment of ['1', '3']) {
      const tokens = rows.find((r) => r.experiment === experiment && r.metric === 'prompt_tokens');
      expect(Number(tokens?.median)).toBe(expected);
    }
    expect(rows.find((r) => r.experiment === '1' && r.metric === 'template')?.tokens).toBe(String(Math.round(expected)));
    const batch = rows.find((r) => r.experiment === '3' && r.metric === 'batch_prepare');
    expect(['ok', 'unstable']).toContain(batch?.status);
    expect([batch?.requests, batch?.turns, batch?.tokens]).toEqual(['16', '', '']);
  });

  it('a ShareGPT file of 4 conversations: a batch of 4 requests', async () => {
    const rows = await run(SHAREGPT, '1', '4');
    const tokens = rows.find((r) => r.experiment === '4' && r.metric === 'prompt_tokens');
    expect(Number(tokens?.median)).toBe(await medianPromptTokens(tokens!.template, readChatsFile(SHAREGPT).chats));
    expect(rows.find((r) => r.experiment === '4' && r.metric === 'batch_prepare')?.requests).toBe('4');
    expect(rows.filter((r) => r.experiment === '1' && r.metric === 'tokenize' && Number(r.median) > 0)).toHaveLength(1);
  });
});
