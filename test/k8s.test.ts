import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { Job, type IJob } from 'kubernetes-models/batch/v1/Job';
import { PersistentVolumeClaim, type IPersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { runK8sCli } from '../scripts/k8s.ts';

const root = join(import.meta.dirname, '..');

async function k8s(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runK8sCli(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  return { code, stdout, stderr };
}

async function manifests(argv: string[]): Promise<any[]> {
  const { code, stdout, stderr } = await k8s(argv);
  expect(stderr).toBe('');
  expect(code).toBe(0);
  const docs = parseAllDocuments(stdout);
  if (!Array.isArray(docs)) throw new Error('no YAML documents');
  for (const d of docs) expect(d.errors).toEqual([]);
  return docs.map((d) => d.toJS());
}

/** Validates against the Kubernetes OpenAPI schema (kubernetes-models); throws on the first invalid object. */
function validate(obj: any): void {
  if (obj.apiVersion === 'batch/v1' && obj.kind === 'Job') new Job(obj as IJob).validate();
  else if (obj.apiVersion === 'v1' && obj.kind === 'PersistentVolumeClaim') new PersistentVolumeClaim(obj as IPersistentVolumeClaim).validate();
  else throw new Error(`unexpected object ${obj.apiVersion} ${obj.kind}`);
}

/** `npm run <script>` references in a command text. */
function npmScripts(text: string): string[] {
  return [...text.matchAll(/\bnpm\b(?:"\s*,\s*"|\s+)(?:run|run-script)(?:"\s*,\s*"|\s+)(?:-s\s+)?"?([\w:-]+)/g)].map((m) => m[1]);
}

const packageScripts = Object.keys(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts);

const ARGS = [
  ['--shards', '3', '--image', 'example/prepbench:1'],
  ['--shards', '8', '--image', 'registry.example.com/team/prepbench:2026-01', '--parallelism', '2', '--name', 'matrix-full', '--pvc', 'shared.results', '--storage-class', 'nfs', '--pvc-size', '50Gi', '--memory', '6Gi', '--', '--suite', 'preprocessing', '-m', 'qwen3,llama3', "it's $(HOME)"],
  ['--shards', '1', '--image', 'x', '--no-create-pvc', '--', '--quick'],
];

describe('npm run k8s: manifests', () => {
  it.each(ARGS.map((a) => [a.join(' '), a]))('every object validates against the Kubernetes schema: %s', async (_label, argv) => {
    const objs = await manifests(argv as string[]);
    expect(objs.map((o) => o.kind)).toEqual([...((argv as string[]).includes('--no-create-pvc') ? [] : ['PersistentVolumeClaim']), 'Job', 'Job']);
    for (const obj of objs) validate(obj);
  });

  it('the validator is not a no-op: a broken Job is rejected', async () => {
    const [, job] = await manifests(ARGS[0]);
    job.spec.completionMode = 'Bogus';
    expect(() => validate(job)).toThrow(/completionMode/);
    job.spec.completionMode = 'Indexed';
    job.spec.template.spec.containers[0].resources.requests.cpu = 'two';
    expect(() => validate(job)).toThrow(/cpu/);
  });

  it('the bench Job: Indexed, N completions, P at once, no restarts, 2 CPUs requested = limits, results on the claim', async () => {
    const [pvc, job, merge] = await manifests(ARGS[1]);
    expect(pvc).toMatchObject({ metadata: { name: 'shared.results' }, spec: { accessModes: ['ReadWriteMany'], storageClassName: 'nfs', resources: { requests: { storage: '50Gi' } } } });
    expect(job.metadata.name).toBe('matrix-full');
    expect(job.spec).toMatchObject({ completionMode: 'Indexed', completions: 8, parallelism: 2, backoffLimitPerIndex: 1 });
    const pod = job.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.containers[0].resources).toEqual({ requests: { cpu: '2', memory: '6Gi' }, limits: { cpu: '2', memory: '6Gi' } });
    expect(pod.volumes).toEqual([{ name: 'results', persistentVolumeClaim: { claimName: 'shared.results' } }]);
    expect(pod.containers[0].volumeMounts).toEqual([{ name: 'results', mountPath: '/results' }]);
    // Kubernetes expands $(VAR) in args; $$ keeps a literal $.
    expect(pod.containers[0].args).toEqual(['--suite', 'preprocessing', '-m', 'qwen3,llama3', "it's $$(HOME)"]);
    expect(merge.metadata.name).toBe('matrix-full-merge');
    expect(merge.spec.suspend).toBe(true);
    expect(merge.spec.template.spec.containers[0].command.join(' ')).toContain('npm run merge -- /results/matrix-full/shard-*/* --out /results/matrix-full-merged');
    expect(merge.spec.template.spec.volumes).toEqual(pod.volumes);
  });

  it('each pod runs shard JOB_COMPLETION_INDEX+1 of N into its own folder, with the bench args', async () => {
    const [, job] = await manifests(['--shards', '3', '--image', 'x', '--', '--quick', 'two words']);
    const container = job.spec.template.spec.containers[0];
    const dir = mkdtempSync(join(tmpdir(), 'prepbench-k8s-'));
    try {
      // A stand-in `npm` that prints its arguments; /results is redirected to the temporary folder.
      writeFileSync(join(dir, 'npm'), '#!/bin/sh\nprintf "%s|" "$@"\n');
      chmodSync(join(dir, 'npm'), 0o755);
      const [sh, ...rest] = [...container.command, ...container.args].map((a: string) => a.replaceAll('/results/', `${dir}/`).replaceAll('$$', '$'));
      for (const index of [0, 1, 2]) {
        const out = execFileSync(sh, rest, { env: { PATH: `${dir}:${process.env.PATH}`, JOB_COMPLETION_INDEX: String(index) }, encoding: 'utf8' });
        expect(out).toBe(`run|bench|--|--shard|${index + 1}/3|--out|${dir}/prepbench/shard-${index + 1}|--quick|two words|`);
      }
      // A restarted pod finds the run folder its evicted attempt wrote, and resumes it.
      mkdirSync(join(dir, 'prepbench/shard-2/2026-01-01T00-00-00Z'), { recursive: true });
      writeFileSync(join(dir, 'prepbench/shard-2/2026-01-01T00-00-00Z/env.json'), '{}');
      const again = execFileSync(sh, rest, { env: { PATH: `${dir}:${process.env.PATH}`, JOB_COMPLETION_INDEX: '1' }, encoding: 'utf8' });
      expect(again).toBe(`run|bench|--|--resume|${dir}/prepbench/shard-2/2026-01-01T00-00-00Z/|`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is byte-identical across two calls with the same arguments', async () => {
    for (const argv of ARGS) {
      const a = await k8s(argv);
      const b = await k8s(argv);
      expect(a.stdout.length).toBeGreaterThan(0);
      expect(b.stdout).toBe(a.stdout);
    }
  });

  it.each(['0', '-1', 'x', '1.5', '100001'])('--shards %s exits 2 naming the value and the range', async (bad) => {
    const r = await k8s(['--shards', bad, '--image', 'x']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`--shards must be a whole number from 1 to 100000 (got '${bad}')`);
  });

  it('other bad input exits 2 with a message', async () => {
    const cases: [string[], string][] = [
      [['--shards', '3', '--image', 'x', '--parallelism', '4'], "--parallelism must be a whole number from 1 to --shards (3) (got '4')"],
      [['--shards', '3', '--image', 'x', '--parallelism', '0'], "--parallelism must be a whole number from 1 to 100000 (got '0')"],
      [['--shards', '3', '--image', 'x', '--name', 'Not_A_Name'], "--name must be lowercase letters, digits and '-'"],
      [['--shards', '3', '--image', 'x', '--name', 'a'.repeat(58)], 'at most 57 characters'],
      [['--shards', '3', '--image', 'x', '--memory', 'lots'], "--memory must be a Kubernetes quantity such as 4Gi (got 'lots')"],
      [['--shards', '3', '--image', 'x', '--', '--out', '/tmp'], "bench argument '--out' is set per shard"],
      [['--shards', '3', '--image', 'x', '--', '--shard=1/2'], "bench argument '--shard=1/2' is set per shard"],
      [['--shards', '3'], "required option '--image <ref>' not specified"],
      [['--image', 'x'], "required option '--shards <n>' not specified"],
    ];
    for (const [argv, message] of cases) {
      const r = await k8s(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(message);
    }
  });
});

describe('deploy/Dockerfile', () => {
  const dockerfile = readFileSync(join(root, 'deploy', 'Dockerfile'), 'utf8');
  /** Instructions with their continuation lines joined, comments dropped. */
  const instructions = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [, op, rest] = /^(\w+)\s+(.*)$/.exec(l)!;
      return { op: op.toUpperCase(), rest };
    });

  it('is based on node:20-slim and runs the bench via npm with results under /results', () => {
    expect(instructions.filter((i) => i.op === 'FROM').map((i) => i.rest)).toEqual(['node:20-slim']);
    const entrypoint = instructions.find((i) => i.op === 'ENTRYPOINT')!;
    expect(JSON.parse(entrypoint.rest)).toEqual(['npm', 'run', 'bench', '--', '--out', '/results']);
    expect(instructions.find((i) => i.op === 'VOLUME')?.rest).toBe('/results');
    expect(instructions.some((i) => i.op === 'RUN' && /\bnpm ci\b/.test(i.rest))).toBe(true);
  });

  it('references only npm scripts that exist in package.json (and so do the manifests)', async () => {
    const fromDockerfile = instructions.filter((i) => ['RUN', 'CMD', 'ENTRYPOINT'].includes(i.op)).flatMap((i) => npmScripts(i.rest));
    expect(fromDockerfile).toEqual(['bench']);
    const objs = await manifests(ARGS[1]);
    const fromManifests = objs.filter((o) => o.kind === 'Job').flatMap((o) => o.spec.template.spec.containers.flatMap((c: any) => npmScripts(c.command.join(' '))));
    expect(fromManifests).toEqual(['bench', 'bench', 'merge']);
    for (const script of [...fromDockerfile, ...fromManifests]) expect(packageScripts, `npm run ${script}`).toContain(script);
  });
});
