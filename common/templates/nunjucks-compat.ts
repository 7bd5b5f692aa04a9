/**
 * nunjucks as a Jinja engine for Hugging Face chat templates, identical in output to @huggingface/jinja.
 *
 * Design choice: nunjucks ships `installJinjaCompat()`, but it patches the nunjucks module itself (its
 * Parser, Compiler and runtime, for every environment in the process) and still lacks most of what chat
 * templates need. This layer instead compiles each template through its own pipeline, all local to the
 * environment created here and all done once, at compile time:
 *
 *   source ─ preprocess.ts (the reference's trim/lstrip-blocks and `{% generation %}` handling)
 *          ─ lexer.ts (subclass: `}}` inside dict literals, string escapes)
 *          ─ parser.ts (subclass: slices, True/False/None, Jinja tests, loop controls, trailing commas)
 *          ─ compiler.ts (subclass: Python truthiness, Jinja scoping, namespaces, for-if, tuples, …)
 *          ─ nunjucks Template whose render function receives runtime.ts (a *copy* of nunjucks' runtime
 *            with Python member lookup, negative indexes, string/dict methods, printing rules)
 *   and builtins.ts' filters (tojson formatted exactly as the reference), tests and globals
 *   (raise_exception, namespace, strftime_now, range), which runtime.ts resolves from its own tables.
 *
 * No global prototype is patched and no nunjucks module object is modified.
 *
 * Templates are untrusted (they ship inside model files): sandbox.ts says what a template may contain,
 * checked before any code is generated, and every render runs within render-limits.ts' bounds.
 */
import nunjucks from 'nunjucks';
import type { TemplateContext } from './engines.ts';
import { DEFAULT_RENDER_LIMITS, type RenderLimits, withinLimits } from './render-limits.ts';
import { JinjaCompiler } from './jinja-compat/compiler.ts';
import { JinjaTokenizer } from './jinja-compat/lexer.ts';
import { JinjaParser } from './jinja-compat/parser.ts';
import { preprocessLikeReference } from './jinja-compat/preprocess.ts';
import { jinjaRuntime } from './jinja-compat/runtime.ts';
import { assertSandboxed } from './jinja-compat/sandbox.ts';

type RootRender = (env: unknown, context: unknown, frame: unknown, runtime: unknown, cb: unknown) => void;

/** No loaders: the layer refuses tags that load templates, and nothing else may read files. */
function createEnvironment(): nunjucks.Environment {
  // Whitespace control is done by preprocessLikeReference, so nunjucks' own trim/lstrip stay off.
  return new nunjucks.Environment([], { autoescape: false, trimBlocks: false, lstripBlocks: false, throwOnUndefined: false });
}

/** Source → the JavaScript module nunjucks would generate, with the layer's parser and compiler. */
export function compileToJs(source: string, name = 'chat_template'): string {
  const tokens = new JinjaTokenizer(preprocessLikeReference(source), {});
  const ast = new JinjaParser(tokens).parseAsRoot();
  assertSandboxed(ast);
  const compiler = new JinjaCompiler(name, false);
  compiler.compile(ast);
  return compiler.getCode();
}

/** Parse and compile once; the returned function only renders, within `limits`. */
export function compileNunjucks(source: string, limits: RenderLimits = DEFAULT_RENDER_LIMITS): (ctx: TemplateContext) => string {
  const props = new Function(compileToJs(source))() as { root: RootRender };
  const root = props.root;
  // Every render of this template gets the layer's runtime instead of nunjucks' shared one.
  props.root = (e, context, frame, _runtime, cb) => root(e, context, frame, jinjaRuntime, cb);
  const Template = nunjucks.Template as unknown as new (src: { type: 'code'; obj: unknown }, env: nunjucks.Environment, path: undefined, eager: boolean) => nunjucks.Template;
  const tpl = new Template({ type: 'code', obj: props }, createEnvironment(), undefined, true);
  return (ctx) => withinLimits(limits, () => tpl.render(ctx));
}
