/** What a run's chats are made of, for env.json: the kind, the mix, and each source's package, version and licence. */
import { packageRoot } from '../build/package-root.ts';
import { CODE_PACKAGE } from './code.ts';
import { ENGLISH_PACKAGE } from './english.ts';
import { MIX, type RealKind, type TextKind } from './kinds.ts';
import { LANGUAGES, MULTILINGUAL_PACKAGE } from './multilingual.ts';

export interface TextSource {
  kind: RealKind;
  package: string;
  version: string;
  license: string;
  what: string;
}

export interface TextRecord {
  kind: TextKind;
  /** `mixed`: each message's kind is drawn with these probabilities. */
  mix?: Readonly<Record<RealKind, number>>;
  sources: TextSource[];
  /** `synthetic`: the generator instead of sources. */
  generator?: string;
}

const SOURCES: Record<RealKind, { package: string; what: string }> = {
  english: { package: ENGLISH_PACKAGE, what: 'the Brown corpus (1961 American English, 500 samples: news to fiction), tags stripped' },
  multilingual: { package: MULTILINGUAL_PACKAGE, what: `the Universal Declaration of Human Rights in ${LANGUAGES.map((l) => l.code).join(', ')}; one language per message` },
  code: { package: CODE_PACKAGE, what: 'TypeScript lib/lib.*.d.ts declarations in ```ts fences' },
};

export function describeText(kind: TextKind): TextRecord {
  if (kind === 'synthetic') return { kind, sources: [], generator: 'common/text/data.ts: sentences of a 100-word list, code and markdown lists' };
  const kinds: RealKind[] = kind === 'mixed' ? (Object.keys(MIX) as RealKind[]) : [kind];
  const sources = kinds.map((k) => {
    const { version, license } = packageRoot(SOURCES[k].package);
    return { kind: k, package: SOURCES[k].package, version, license, what: SOURCES[k].what };
  });
  return { kind, ...(kind === 'mixed' ? { mix: MIX } : {}), sources };
}
