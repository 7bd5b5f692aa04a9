/**
 * Whitespace handling identical to the reference. transformers renders with `trim_blocks` and
 * `lstrip_blocks`; nunjucks implements both, but not exactly as Jinja/@huggingface/jinja do (e.g. around
 * comments). So the compatibility layer applies @huggingface/jinja's own source preprocessing once, at
 * compile time, and lets nunjucks handle only the explicit `{%-`/`-%}` markers, which it does the same way.
 */

/** @huggingface/jinja's preprocess (src/lexer.ts), applied to the source before nunjucks lexes it. */
export function preprocessLikeReference(template: string): string {
  // Jinja's default keep_trailing_newline=False: a single trailing newline is dropped.
  if (template.endsWith('\n')) template = template.slice(0, -1);
  // lstrip_blocks: spaces and tabs from the start of a line up to a block or comment tag.
  template = template.replace(/^[ \t]*({[#%-])/gm, '$1');
  // trim_blocks: the first newline after a block or comment tag.
  template = template.replace(/([#%-]})\n/g, '$1');
  // transformers' `{% generation %}…{% endgeneration %}` marks assistant tokens for training masks and
  // renders nothing; `{%-`/`-%}` on it still strip the surrounding whitespace.
  return template.replace(/(\s*){%(-?)\s*(?:end)?generation\s*(-?)%}(\s*)/gs, (_m, before: string, l: string, r: string, after: string) => (l ? '' : before) + (r ? '' : after));
}
