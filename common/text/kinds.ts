/** The kinds of text a chat can be made of (--text), and the declared mix of the default kind. */
import { UnknownNameError } from '../assets/models.ts';

/** Real text kinds: each is one source of human-written text shipped in an npm package. */
export const REAL_KINDS = ['english', 'multilingual', 'code'] as const;
export type RealKind = (typeof REAL_KINDS)[number];

/** `mixed` draws each message's kind from MIX; `synthetic` is the seeded 100-word generator (common/text/data.ts). */
export const TEXT_KINDS = [...REAL_KINDS, 'mixed', 'synthetic'] as const;
export type TextKind = (typeof TEXT_KINDS)[number];

export const DEFAULT_TEXT: TextKind = 'mixed';

/**
 * Probability of each real kind for one message of a `mixed` chat. A declared mix, not a traffic
 * measurement: English first, with code and other languages each common enough to move the figures.
 */
export const MIX: Readonly<Record<RealKind, number>> = { english: 0.5, code: 0.25, multilingual: 0.25 };

export function assertTextKind(name: string): TextKind {
  if (!(TEXT_KINDS as readonly string[]).includes(name)) throw new UnknownNameError('text', name, TEXT_KINDS);
  return name as TextKind;
}
