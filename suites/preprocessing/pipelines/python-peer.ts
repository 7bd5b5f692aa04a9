/**
 * Experiment 11's Python peer: the seed study's stack — Jinja2's ImmutableSandboxedEnvironment as
 * transformers' apply_chat_template configures it, plus the `tokenizers` package when importable —
 * prepares the very batch the Node pipelines prepared, in a Python child process that times itself
 * (time.perf_counter per pass over the batch, in rounds alternating its strategies). Its renders must equal
 * the reference's (@huggingface/jinja) on every chat, and its ids the reference's on every prompt, or a
 * row says where they differ and that part is not timed. Whatever is missing (python3, jinja2,
 * tokenizers) is one `python_peer` row saying why; the run goes on.
 *
 * The child is bounded: no shell, killed on timeout or abort (its pool's workers exit when it dies; it
 * stays in the point's process group, which the runner kills on a point timeout), the template
 * and chats sent as JSON data on stdin (never put into code), one JSON reply per line on stdout.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { getTemplateVariant, tokenizerFiles } from '../../../common/assets/models.ts';
import { firstDifference } from '../../../common/assets/tokenizer-parity.ts';
import type { Preprocessor } from '../../../common/measure/pipeline.ts';
import type { RowInput } from '../../../common/results/results.ts';
import { summarize } from '../../../common/stats/stats.ts';
import { TRANSFORMERS_JINJA2_PY } from '../../../common/templates/jinja2-arbiter.ts';
import type { ChatMessage, TemplateContext } from '../../../common/templates/engines.ts';
import { sameRendering } from './candidates.ts';

export const PYTHON_STRATEGIES = ['python-main', 'python-threads', 'python-processes'] as const;
export type PythonStrategy = (typeof PYTHON_STRATEGIES)[number];
/** The tokenizer parameter of rows that also tokenize with Python's `tokenizers`. */
export const PYTHON_TOKENIZER = 'tokenizers-py';

// The prelude answers before jinja2 is imported, so a missing module is a reply, not a traceback.
const PEER_PY = `
import json, sys
def reply(obj):
    sys.stdout.write(json.dumps(obj) + "\\n")
    sys.stdout.flush()
try:
    import jinja2
except ImportError:
    reply({"missing": "python3 has no jinja2"})
    sys.exit(0)
${TRANSFORMERS_JINJA2_PY}
import multiprocessing, platform, time
from concurrent.futures import ThreadPoolExecutor

setup = json.loads(sys.stdin.readline())
TEMPLATE = transformers_environment().from_string(setup["source"])
TOKENIZER = None
versions = {"python": platform.python_version(), "jinja2": jinja2.__version__}
tokenizers_missing = None
try:
    import tokenizers
except ImportError:
    tokenizers_missing = "python3 has no \`tokenizers\` module"
else:
    TOKENIZER = tokenizers.Tokenizer.from_file(setup["tokenizer"])
    versions["tokenizers"] = tokenizers.__version__

def render(ctx):
    return TEMPLATE.render(**ctx)

def prepare(ctx):
    return TOKENIZER.encode(TEMPLATE.render(**ctx), add_special_tokens=False).ids

contexts = setup["contexts"]
rendered = []
for ctx in contexts:
    try:
        rendered.append(render(ctx))
    except Exception as e:
        reply({"versions": versions, "render_error": "chat %d: %s: %s" % (len(rendered) + 1, type(e).__name__, e)})
        sys.exit(0)
ids = [TOKENIZER.encode(p, add_special_tokens=False).ids for p in rendered] if TOKENIZER else None
reply({"versions": versions, "rendered": rendered, "ids": ids, "tokenizers_missing": tokenizers_missing})

line = sys.stdin.readline()
if not line:
    sys.exit(0)
plan = json.loads(line)
fns = {"render": render, "prepare": prepare}
threads = ThreadPoolExecutor(max_workers=plan["workers"])
# fork: the workers inherit the compiled template and the loaded tokenizer, as a forked server's would.
processes = multiprocessing.get_context("fork").Pool(plan["workers"])
runners = {
    "python-main": lambda fn: [fn(c) for c in contexts],
    "python-threads": lambda fn: list(threads.map(fn, contexts)),
    "python-processes": lambda fn: processes.map(fn, contexts, chunksize=1),
}
variants = [(s, op) for s in runners for op in plan["ops"]]
samples = {s + " " + op: [] for s, op in variants}
warmup = {}
for s, op in variants:
    began = time.perf_counter()
    n = 0
    while n < plan["warmup_calls"] or (time.perf_counter() - began) * 1000 < plan["warmup_ms"]:
        runners[s](fns[op])
        n += 1
    warmup[s + " " + op] = {"n": n, "ms": (time.perf_counter() - began) * 1000}
for r in range(plan["rounds"]):
    for s, op in (variants if r % 2 == 0 else variants[::-1]):
        began = time.perf_counter()
        while True:
            t0 = time.perf_counter()
            runners[s](fns[op])
            t1 = time.perf_counter()
            samples[s + " " + op].append((t1 - t0) * 1000)
            if (t1 - began) * 1000 >= plan["slice_ms"]:
                break
threads.shutdown()
processes.terminate()
processes.join()
reply({"samples": samples, "warmup": warmup})
`;

/** The batch as the reference prepared it: what Python must reproduce. */
export interface PeerBatch {
  /** The template's source, sent as data. */
  source: string;
  /** The reference's render context of each chat (messages, special tokens, date_string…). */
  contexts: TemplateContext[];
  /** The reference's render of each chat. */
  prompts: string[];
  /** tokenizer.json of the model, for Tokenizer.from_file. */
  tokenizerJson: string;
  /** The reference's ids of a prompt. */
  referenceIds(prompt: string): Promise<number[]>;
}

export interface PeerOptions {
  /** Threads and processes of the pooled strategies. */
  workers: number;
  quick: boolean;
  /** Bound on the whole child, ms (default 30 s quick, 120 s full: under the point's own timeout): past it the child is killed and an error row says so. */
  timeoutMs?: number;
  /** The child's environment (tests: a PATH without python3). */
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

export interface PeerResult {
  rows: RowInput[];
  /** Python's render of each chat, when it rendered them all. */
  rendered?: string[];
}

/** Rounds of Python's own timing: each variant runs for a slice of at least slice_ms per round. */
const PLAN = { quick: { rounds: 6, slice_ms: 40, warmup_calls: 2, warmup_ms: 200 }, full: { rounds: 16, slice_ms: 60, warmup_calls: 3, warmup_ms: 1000 } };
const DEFAULT_TIMEOUT_MS = { quick: 30_000, full: 120_000 };

/** The reference's batch as the Python peer takes it: the same source, contexts and tokenizer.json. */
export async function peerBatchOf(reference: Preprocessor, batch: readonly ChatMessage[][], prompts: string[]): Promise<PeerBatch> {
  return {
    source: await getTemplateVariant(reference.config.template).load(),
    contexts: batch.map((m) => reference.context(m)),
    prompts,
    tokenizerJson: tokenizerFiles(reference.model).tokenizerJsonPath,
    referenceIds: reference.tokenize,
  };
}

interface CheckReply {
  missing?: string;
  render_error?: string;
  versions: { python: string; jinja2: string; tokenizers?: string };
  rendered: string[];
  ids: number[][] | null;
  tokenizers_missing: string | null;
}

interface TimingReply {
  samples: Record<string, number[]>;
  warmup: Record<string, { n: number; ms: number }>;
}

const peerRow = (error: string, status: 'unsupported' | 'error', tokenizer?: string): RowInput => ({
  params: { engine: 'jinja2', ...(tokenizer ? { tokenizer } : {}) },
  metric: 'python_peer',
  unit: 'status',
  status,
  error,
});

/** Prepares the batch in Python and returns its rows (timings, or why some are missing); never throws but on abort. */
export async function runPythonPeer(batch: PeerBatch, options: PeerOptions): Promise<PeerResult> {
  if (options.signal?.aborted) return { rows: [] };
  const timeoutMs = options.timeoutMs ?? (options.quick ? DEFAULT_TIMEOUT_MS.quick : DEFAULT_TIMEOUT_MS.full);
  const child = startChild(options.env ?? process.env, timeoutMs, options.signal);
  try {
    child.send({ source: batch.source, contexts: batch.contexts, tokenizer: batch.tokenizerJson });
    const check = (await child.reply()) as CheckReply;
    if (check.missing) return { rows: [peerRow(check.missing, 'unsupported')] };
    if (check.render_error) return { rows: [peerRow(`Jinja2 (transformers' sandbox) fails where the reference renders: ${check.render_error}`, 'unsupported')] };
    const differs = sameRendering(batch.prompts, check.rendered);
    if (differs) return { rows: [peerRow(`Jinja2 (transformers' sandbox) renders the batch differently from the reference (@huggingface/jinja): ${differs}`, 'unsupported')], rendered: check.rendered };
    const rows: RowInput[] = [];
    const ops = ['render'];
    if (check.tokenizers_missing) rows.push(peerRow(check.tokenizers_missing, 'unsupported', PYTHON_TOKENIZER));
    else if (check.ids) {
      const idsDiffer = await firstIdDifference(batch, check.ids);
      if (idsDiffer) rows.push(peerRow(`tokenizers ${check.versions.tokenizers} ${idsDiffer}`, 'unsupported', PYTHON_TOKENIZER));
      else ops.push('prepare');
    }
    const plan = options.quick ? PLAN.quick : PLAN.full;
    child.send({ ...plan, ops, workers: options.workers });
    const timing = (await child.reply()) as TimingReply;
    rows.push(...timingRows(batch.prompts.length, options.workers, check.versions, ops, timing));
    return { rows, rendered: check.rendered };
  } catch (err) {
    if (options.signal?.aborted) return { rows: [] };
    return { rows: [peerRow((err as Error).message, (err as PeerError).status ?? 'error')] };
  } finally {
    child.kill();
  }
}

async function firstIdDifference(batch: PeerBatch, ids: readonly number[][]): Promise<string | undefined> {
  for (const [i, prompt] of batch.prompts.entries()) {
    const d = firstDifference(await batch.referenceIds(prompt), ids[i]);
    if (!d.identical) {
      const window = (xs: readonly number[]) => xs.slice(0, 4).join(',');
      return `gives ids different from the reference at token ${d.position} of prompt ${i + 1} of ${batch.prompts.length} (${window(d.expected)} expected, ${window(d.actual)} given)`;
    }
  }
  return undefined;
}

const STRATEGY_NOTES: Record<PythonStrategy, (workers: number) => string> = {
  'python-main': () => 'a loop over the chats on the main thread',
  'python-threads': (w) => `ThreadPoolExecutor(${w}).map over the chats, one task per chat`,
  'python-processes': (w) => `multiprocessing Pool(${w}) (fork).map over the chats with chunksize 1: each context pickled to a worker, its result back`,
};

function timingRows(requests: number, workers: number, versions: CheckReply['versions'], ops: readonly string[], timing: TimingReply): RowInput[] {
  const rows: RowInput[] = [];
  for (const strategy of PYTHON_STRATEGIES) {
    for (const op of ops) {
      const key = `${strategy} ${op}`;
      const samples = timing.samples[key];
      const prepare = op === 'prepare';
      const params = { engine: 'jinja2', tokenizer: prepare ? PYTHON_TOKENIZER : '', strategy, workers: strategy === 'python-main' ? 1 : workers };
      const what = prepare
        ? `render (Jinja2 ${versions.jinja2}) + tokenize (tokenizers ${versions.tokenizers}, Tokenizer.from_file on the suite's tokenizer.json, add_special_tokens=False), no collation`
        : `render only (Jinja2 ${versions.jinja2})`;
      const metric = prepare ? 'python_batch_prepare' : 'python_batch_render';
      const summary = summarize(samples);
      rows.push(
        {
          params,
          metric,
          unit: 'ms',
          summary,
          samples,
          warmup: timing.warmup[key],
          note: `Python ${versions.python} in a child process, ImmutableSandboxedEnvironment as transformers configures it: ${requests} chats, ${what}, by ${STRATEGY_NOTES[strategy](workers)}; ms per pass over the batch (time.perf_counter, in Python's own rounds, order reversed every other round). Unpaired with Node's pipelines: timed after their paired rounds, in another process`,
        },
        { params, metric: 'python_requests_per_s', unit: 'req/s', value: (requests * 1000) / summary.median, note: `${requests} / median ${metric}` },
      );
    }
  }
  return rows;
}

/** An error with the status its row takes (python3 absent is unsupported, not a failure). */
type PeerError = Error & { status?: 'unsupported' | 'error' };

function peerError(message: string, status: 'unsupported' | 'error'): PeerError {
  return Object.assign(new Error(message), { status });
}

/** python3 -c PEER_PY, one JSON reply per stdout line. */
function startChild(env: NodeJS.ProcessEnv, timeoutMs: number, signal?: AbortSignal) {
  const child = spawn('python3', ['-c', PEER_PY], {
    env: { ...env, TOKENIZERS_PARALLELISM: 'false' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    stderr = (stderr + d).slice(-2000);
  });
  // Writes to a child that already exited fail with EPIPE; its exit is what is reported.
  child.stdin.on('error', () => {});
  // Pool workers close their copy of the task pipe's writer: when the parent dies they read EOF and exit.
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const failed = new Promise<never>((_, reject) => {
    const timer = setTimeout(() => {
      kill();
      reject(peerError(`the Python peer did not finish within ${timeoutMs / 1000} s; it was killed`, 'error'));
    }, timeoutMs);
    const onAbort = () => {
      kill();
      reject(peerError('stopped', 'error'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const settle = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    // A failed spawn may emit no 'close'.
    child.on('error', (err: NodeJS.ErrnoException) => {
      settle();
      reject(err.code === 'ENOENT' ? peerError('python3 not found on PATH', 'unsupported') : peerError(`python3 could not start: ${err.message}`, 'error'));
    });
    // 'close' comes after stdout's last line reached the reader, so a reply already sent is read first.
    child.on('close', (code, sig) => {
      settle();
      reject(peerError(`python3 exited (${sig ?? `code ${code}`}) before replying${stderr ? `: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`, 'error'));
    });
  });
  failed.catch(() => {});
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    send(message: object) {
      child.stdin.write(`${JSON.stringify(message)}\n`);
    },
    async reply(): Promise<unknown> {
      const next = await Promise.race([lines.next(), failed]);
      if (next.done) return failed;
      return JSON.parse(next.value);
    },
    kill() {
      child.stdin.end();
      kill();
    },
  };
}
