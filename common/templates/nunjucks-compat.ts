/**
 * nunjucks configured like Hugging Face's Jinja: no autoescape (else `<|…|>` is escaped), trim/lstrip
 * blocks as transformers sets them, and the Jinja globals chat templates use. Everything is local to
 * the environment created here: no global prototype is patched.
 */
import nunjucks from 'nunjucks';
import type { TemplateContext } from './engines.ts';

export function createJinjaCompatEnvironment(): nunjucks.Environment {
  const env = new nunjucks.Environment(null, { autoescape: false, trimBlocks: true, lstripBlocks: true, throwOnUndefined: false });
  env.addGlobal('raise_exception', (msg: string) => {
    throw new Error(msg);
  });
  env.addFilter('tojson', (v: unknown) => JSON.stringify(v));
  return env;
}

export function compileNunjucks(source: string): (ctx: TemplateContext) => string {
  const env = createJinjaCompatEnvironment();
  const tpl = nunjucks.compile(source, env);
  return (ctx) => tpl.render(ctx);
}
