/**
 * When @huggingface/jinja and nunjucks disagree, Python's Jinja2 — the engine these templates were
 * written for, configured as transformers configures it — says which one follows Jinja semantics.
 * Optional: used only where `python3` with `jinja2` is installed; otherwise the note says so.
 */
import { spawnSync } from 'node:child_process';

/**
 * Python that defines `transformers_environment()`: Jinja2's ImmutableSandboxedEnvironment configured as
 * transformers' apply_chat_template configures it (trim_blocks, lstrip_blocks, loopcontrols, its
 * {% generation %} tag, tojson, raise_exception, strftime_now). Shared with experiment 11's Python peer.
 */
export const TRANSFORMERS_JINJA2_PY = `
import json
from datetime import datetime
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.exceptions import TemplateError
from jinja2.ext import Extension
from jinja2 import nodes
class AssistantTracker(Extension):
    # transformers' {% generation %} tag: renders its body (it only marks assistant tokens for masks).
    tags = {"generation"}
    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return nodes.Scope(body).set_lineno(lineno)
def raise_exception(message):
    raise TemplateError(message)
def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)
def strftime_now(fmt):
    return datetime.now().strftime(fmt)
def transformers_environment():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.loopcontrols", AssistantTracker])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env
`;

const SCRIPT = `${TRANSFORMERS_JINJA2_PY}
import sys
req = json.load(sys.stdin)
env = transformers_environment()
out = []
for ctx in req["contexts"]:
    try:
        out.append({"ok": env.from_string(req["source"]).render(**ctx)})
    except Exception as e:
        out.append({"error": type(e).__name__ + ": " + str(e)})
json.dump(out, sys.stdout)
`;

let available: boolean | undefined;

export function jinja2Available(): boolean {
  available ??= spawnSync('python3', ['-c', 'import jinja2'], { stdio: 'ignore' }).status === 0;
  return available;
}

export type Jinja2Result = { ok: string } | { error: string };

/** Renders `source` with Python Jinja2 for each context (transformers' settings), or undefined if unavailable. */
export function renderWithJinja2(source: string, contexts: object[]): Jinja2Result[] | undefined {
  if (!jinja2Available()) return undefined;
  const r = spawnSync('python3', ['-c', SCRIPT], { input: JSON.stringify({ source, contexts }), encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  if (r.status !== 0) return undefined;
  return JSON.parse(r.stdout) as Jinja2Result[];
}
