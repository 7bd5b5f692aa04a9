/**
 * `npm run -s k8s -- --shards N --image IMAGE [--parallelism P] [--pvc NAME] [--name NAME] [-- bench args...]`:
 * prints Kubernetes manifests (multi-document YAML) that run the bench as N shards on a cluster
 * (docs/cluster.md):
 *   1. a PersistentVolumeClaim (ReadWriteMany) for /results, unless --no-create-pvc;
 *   2. an Indexed Job `<name>`: pod K (K = JOB_COMPLETION_INDEX + 1) runs
 *      `npm run bench -- --shard K/N --out /results/<name>/shard-K <bench args>`;
 *   3. a suspended Job `<name>-merge` running `npm run merge` over every /results/<name>/shard-K/<run folder>
 *      (merged run: a new folder under /results/<name>-merged),
 *      started by the user once the first Job is complete (`kubectl wait`, then `kubectl patch … suspend:false`).
 * The output depends only on the arguments (no timestamps, no random names). Needs Kubernetes ≥ 1.29
 * (backoffLimitPerIndex and podFailurePolicy's FailIndex, beta and on by default from 1.29, GA in 1.33).
 * Use `npm run -s` (or `npx tsx scripts/k8s.ts`): plain `npm run` prints its banner on stdout.
 * Exit codes: 0 printed, 2 bad input (the message names the value and the valid range).
 */
import { pathToFileURL } from 'node:url';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { Document, isMap, isScalar } from 'yaml';
// Types only (erased at run time): tsc checks every field name of the manifests against the Kubernetes API types.
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { IPersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { type CliIO, processIO } from '../common/cli/cli-io.ts';

/** Kubernetes' own limit on `completions` and `parallelism` of an Indexed Job. */
export const MAX_SHARDS = 100_000;
const MERGE_SUFFIX = '-merge';
/** A Job name is a DNS-1123 label (≤ 63 characters) and `<name>-merge` must be one too. */
const MAX_NAME = 63 - MERGE_SUFFIX.length;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A resource quantity such as 4Gi, 500M, 10G (binary or decimal suffix, or none). */
const QUANTITY = /^\d+(\.\d+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;
/** The run's flags set per shard; a value in the bench args would fight them. */
const RESERVED_BENCH_FLAGS = ['--shard', '--out', '-o'];

export interface K8sOptions {
  shards: number;
  image: string;
  /** Pods at once (default: all shards). */
  parallelism: number;
  /** Job name, also the run's folder under /results. */
  name: string;
  /** Claim mounted at /results (ReadWriteMany: every pod writes to it). */
  pvc: string;
  /** Print the claim (false: it exists already). */
  createPvc: boolean;
  pvcSize: string;
  storageClass?: string;
  /** Memory per bench pod (requests = limits). */
  memory: string;
  /** Passed to every shard's `npm run bench --` after --shard and --out. */
  benchArgs: string[];
}

/** CPUs per bench pod: requests = limits, a whole number, so the pod is Guaranteed and may get exclusive cores. */
export const BENCH_CPUS = 2;

/** Kubernetes expands `$(VAR)` in command and args; `$$` is its escape for a literal `$`. */
const k8sLiteral = (s: string): string => s.replaceAll('$', '$$$$');

/**
 * The shard pod's shell script: K from the index Kubernetes sets; a pod that finds its shard's run folder
 * on the volume (an evicted, preempted or failed attempt wrote it on SIGTERM or as it measured) resumes
 * it, so it loses at most the process it was in; otherwise a fresh run. The bench runs as PID 1 (npm
 * execs node), so the SIGTERM of an eviction reaches it.
 */
function shardScript(o: K8sOptions): string {
  return [
    'K=$((JOB_COMPLETION_INDEX + 1))',
    `DIR="/results/${o.name}/shard-$K"`,
    'for RUN in "$DIR"/*/; do',
    '  if [ -f "$RUN/env.json" ]; then exec npm run bench -- --resume "$RUN"; fi',
    'done',
    `exec npm run bench -- --shard "$K/${o.shards}" --out "$DIR" "$@"`,
  ].join('\n');
}

function labels(o: K8sOptions, component: string): Record<string, string> {
  return { 'app.kubernetes.io/name': 'prepbench', 'app.kubernetes.io/instance': o.name, 'app.kubernetes.io/component': component };
}

const resultsVolume = (o: K8sOptions) => [{ name: 'results', persistentVolumeClaim: { claimName: o.pvc } }];
const resultsMount = [{ name: 'results', mountPath: '/results' }];

export function pvcManifest(o: K8sOptions): IPersistentVolumeClaim {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: o.pvc, labels: { 'app.kubernetes.io/name': 'prepbench' } },
    spec: {
      accessModes: ['ReadWriteMany'],
      ...(o.storageClass ? { storageClassName: o.storageClass } : {}),
      resources: { requests: { storage: o.pvcSize } },
    },
  };
}

export function benchJobManifest(o: K8sOptions): IJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: o.name, labels: labels(o, 'bench') },
    spec: {
      completionMode: 'Indexed',
      completions: o.shards,
      parallelism: o.parallelism,
      backoffLimitPerIndex: 1,
      podFailurePolicy: {
        rules: [
          { action: 'FailJob', onExitCodes: { containerName: 'bench', operator: 'In', values: [2] } },
          { action: 'FailIndex', onExitCodes: { containerName: 'bench', operator: 'In', values: [1] } },
          { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
        ],
      },
      template: {
        metadata: { labels: labels(o, 'bench') },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'bench',
              image: o.image,
              command: ['sh', '-c', shardScript(o), 'sh'],
              ...(o.benchArgs.length > 0 ? { args: o.benchArgs.map(k8sLiteral) } : {}),
              resources: {
                requests: { cpu: String(BENCH_CPUS), memory: o.memory },
                limits: { cpu: String(BENCH_CPUS), memory: o.memory },
              },
              volumeMounts: resultsMount,
            },
          ],
          volumes: resultsVolume(o),
        },
      },
    },
  };
}

export function mergeJobManifest(o: K8sOptions): IJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: o.name + MERGE_SUFFIX, labels: labels(o, 'merge') },
    spec: {
      suspend: true,
      completions: 1,
      backoffLimit: 0,
      template: {
        metadata: { labels: labels(o, 'merge') },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'merge',
              image: o.image,
              command: ['sh', '-c', `exec npm run merge -- /results/${o.name}/shard-*/* --out /results/${o.name}-merged`],
              resources: { requests: { cpu: '1', memory: '1Gi' } },
              volumeMounts: resultsMount,
            },
          ],
          volumes: resultsVolume(o),
        },
      },
    },
  };
}

/** The manifests as objects, in the printed order. */
export function buildManifests(o: K8sOptions): (IJob | IPersistentVolumeClaim)[] {
  return [...(o.createPvc ? [pvcManifest(o)] : []), benchJobManifest(o), mergeJobManifest(o)];
}

/** Puts a comment above `key` of the map at `path` (a no-op if the path is absent). */
function commentKey(doc: Document, path: (string | number)[], key: string, text: string): void {
  const map = path.length === 0 ? doc.contents : doc.getIn(path, true);
  if (!isMap(map)) return;
  const pair = map.items.find((p) => isScalar(p.key) && p.key.value === key);
  if (pair && isScalar(pair.key)) pair.key.commentBefore = text.split('\n').map((l) => ` ${l}`).join('\n');
}

/** An argument as a POSIX shell would need it (for the header comment). */
const shellQuote = (a: string): string => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`);

function toYaml(o: K8sOptions, argv: string[]): string {
  const docs = buildManifests(o).map((obj) => new Document(obj));
  const [first] = docs;
  first.commentBefore = [
    ` Generated by: npm run -s k8s -- ${argv.map(shellQuote).join(' ')}`,
    ` Needs Kubernetes >= 1.29. Apply, wait for the bench Job, then start the merge Job:`,
    `   kubectl apply -f job.yaml`,
    `   kubectl wait --for=condition=complete --timeout=24h job/${o.name}`,
    `   kubectl patch job/${o.name}${MERGE_SUFFIX} -p '{"spec":{"suspend":false}}'`,
    ` The merged run is a new folder under /results/${o.name}-merged on the claim ${o.pvc}.`,
  ].join('\n');
  for (const doc of docs) {
    const kind = doc.get('kind');
    if (kind === 'PersistentVolumeClaim') {
      commentKey(doc, ['spec'], 'accessModes', 'ReadWriteMany: pods on different nodes write their shards to the same claim (NFS, CephFS, EFS, Filestore...);\nset --storage-class if the default class only offers ReadWriteOnce.');
      continue;
    }
    const isBench = doc.getIn(['metadata', 'name']) === o.name;
    const podSpec = ['spec', 'template', 'spec'];
    if (isBench) {
      commentKey(doc, ['spec'], 'completionMode', `Indexed: pod i gets JOB_COMPLETION_INDEX=i and measures shard i+1 of ${o.shards}.`);
      commentKey(doc, ['spec'], 'backoffLimitPerIndex', 'A failed shard is retried once, alone; it resumes its run folder (--resume), keeping what was measured.');
      commentKey(doc, ['spec'], 'podFailurePolicy', 'Exit 2 (bad bench arguments) fails every shard alike: stop the Job. Exit 1 (rows with errors, or a crash):\na rerun would most likely fail the same way, no retry. A drained or preempted node: retry without counting.');
      commentKey(doc, [...podSpec, 'containers', 0], 'resources', `Benchmark pods must not share cores: ${BENCH_CPUS} whole CPUs requested = limits (Guaranteed QoS),\nso the scheduler never puts more pods on a node than it has cores for. Exclusive cores (a cpuset,\nno neighbour on the same core) also need the kubelet's static CPU manager policy on the nodes.`);
    } else {
      commentKey(doc, ['spec'], 'suspend', `Starts suspended: unsuspend it once job/${o.name} is complete (kubectl patch, above).`);
    }
  }
  return docs.map((d) => d.toString({ lineWidth: 0 })).join('---\n');
}

function wholeNumber(flag: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) throw new InvalidArgumentError(`${flag} must be a whole number from ${min} to ${max} (got '${value}').`);
    return n;
  };
}

function matching(flag: string, re: RegExp, what: string, maxLength = Number.POSITIVE_INFINITY) {
  return (value: string): string => {
    if (!re.test(value) || value.length > maxLength) throw new InvalidArgumentError(`${flag} must be ${what} (got '${value}').`);
    return value;
  };
}

class K8sUsageError extends Error {}

/** What commander parses: the options without the bench args, parallelism not yet defaulted. */
type Flags = Omit<K8sOptions, 'parallelism' | 'benchArgs'> & { parallelism?: number };

export async function runK8sCli(argv: string[], io: CliIO): Promise<number> {
  const program = new Command('k8s')
    .description('print Kubernetes manifests (YAML) that run the bench as N shards of an Indexed Job, plus a suspended merge Job; deterministic for the same arguments')
    .argument('[benchArgs...]', 'after --: arguments for every shard\'s `npm run bench --` (not --shard/--out, which are set per shard)')
    .requiredOption('--shards <n>', `number of shards = pods of the Indexed Job (1 to ${MAX_SHARDS})`, wholeNumber('--shards', 1, MAX_SHARDS))
    .requiredOption('--image <ref>', 'container image built from deploy/Dockerfile, e.g. registry.example.com/prepbench:1', matching('--image', /^\S+$/, 'an image reference without spaces'))
    .option('--parallelism <p>', 'pods running at once (1 to --shards; default --shards)', wholeNumber('--parallelism', 1, MAX_SHARDS))
    .option('--name <name>', `Job name and run folder /results/<name> (lowercase letters, digits, '-'; at most ${MAX_NAME} characters)`, matching('--name', DNS_LABEL, `lowercase letters, digits and '-', starting and ending with a letter or digit, at most ${MAX_NAME} characters`, MAX_NAME), 'prepbench')
    .option('--pvc <name>', 'PersistentVolumeClaim mounted at /results', matching('--pvc', DNS_SUBDOMAIN, "a DNS-1123 name (lowercase letters, digits, '-', '.'), at most 253 characters", 253), 'prepbench-results')
    .option('--no-create-pvc', 'do not print the claim (it exists already)')
    .option('--pvc-size <quantity>', 'size of the printed claim', matching('--pvc-size', QUANTITY, 'a Kubernetes quantity such as 10Gi'), '10Gi')
    .option('--storage-class <name>', 'storage class of the printed claim (one offering ReadWriteMany; default: the cluster default)', matching('--storage-class', DNS_SUBDOMAIN, 'a DNS-1123 name', 253))
    .option('--memory <quantity>', `memory per bench pod (requests = limits; each pod also gets ${BENCH_CPUS} CPUs)`, matching('--memory', QUANTITY, 'a Kubernetes quantity such as 4Gi'), '4Gi')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run with --help for usage)')
    .action((benchArgs: string[], flags: Flags) => {
      const parallelism = flags.parallelism ?? flags.shards;
      if (parallelism > flags.shards) throw new K8sUsageError(`--parallelism must be a whole number from 1 to --shards (${flags.shards}) (got '${parallelism}').`);
      const reserved = benchArgs.find((a) => RESERVED_BENCH_FLAGS.some((f) => a === f || a.startsWith(`${f}=`)));
      if (reserved !== undefined) throw new K8sUsageError(`bench argument '${reserved}' is set per shard by the manifests; leave out ${RESERVED_BENCH_FLAGS.join(', ')}.`);
      const options: K8sOptions = { ...flags, parallelism, benchArgs };
      io.stdout(toYaml(options, argv));
    });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.code === 'commander.helpDisplayed' || err.code === 'commander.help' || err.code === 'commander.version' ? 0 : 2;
    io.stderr(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return err instanceof K8sUsageError ? 2 : 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runK8sCli(process.argv.slice(2), processIO);
}
