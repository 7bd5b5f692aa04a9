/**
 * Machine topology from /sys and /proc/cpuinfo: fixture trees written to a temp folder (SMT, no SMT,
 * /proc only, nothing), the pure parsers, the rows charts read, and experiment 4's derive (with a given topology).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { collectEnvironment } from '../common/results/environment.ts';
import { combineReplicates, flagUnstable } from '../common/results/replicates.ts';
import { recordOf, toRow, type RowInput } from '../common/results/results.ts';
import { summarize } from '../common/stats/stats.ts';
import { cpuCountRows, parseCpuList, parseCpuinfo, readTopology, topologyFrom, type Topology } from '../common/measure/topology.ts';

const roots: string[] = [];
afterAll(() => roots.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A filesystem root holding `files` (path under the root → content). */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'prepbench-topology-'));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

/** cpuN/topology files; `siblings` goes to thread_siblings_list, or core_cpus_list with `newNames`. */
function sysCpu(cpu: number, t: { core: number; pkg: number; siblings: string }, newNames = false): Record<string, string> {
  const dir = `sys/devices/system/cpu/cpu${cpu}/topology`;
  return {
    [`${dir}/core_id`]: `${t.core}\n`,
    [`${dir}/${newNames ? 'package_id' : 'physical_package_id'}`]: `${t.pkg}\n`,
    [`${dir}/${newNames ? 'core_cpus_list' : 'thread_siblings_list'}`]: `${t.siblings}\n`,
  };
}

function cpuinfo(cpus: { model?: string; physical?: number; core?: number; siblings?: number; cpuCores?: number }[]): string {
  return cpus
    .map((c, i) =>
      [
        `processor\t: ${i}`,
        'vendor_id\t: GenuineIntel',
        ...(c.model ? [`model name\t: ${c.model}`] : []),
        ...(c.physical !== undefined ? [`physical id\t: ${c.physical}`] : []),
        ...(c.siblings !== undefined ? [`siblings\t: ${c.siblings}`] : []),
        ...(c.core !== undefined ? [`core id\t\t: ${c.core}`] : []),
        ...(c.cpuCores !== undefined ? [`cpu cores\t: ${c.cpuCores}`] : []),
        'flags\t\t: fpu vme de pse',
      ].join('\n') + '\n',
    )
    .join('\n');
}

const SYS = '/sys/devices/system/cpu/cpu*/topology';
const ONLINE = '/sys/devices/system/cpu/online';

describe('readTopology', () => {
  it('SMT: 4 logical CPUs = 2 cores × 2 threads on one socket (Linux numbering: siblings 0,2 and 1,3)', () => {
    const model = 'Intel(R) Core(TM) i5-7200U CPU @ 2.50GHz';
    const root = tree({
      'sys/devices/system/cpu/online': '0-3\n',
      ...sysCpu(0, { core: 0, pkg: 0, siblings: '0,2' }),
      ...sysCpu(1, { core: 1, pkg: 0, siblings: '1,3' }),
      ...sysCpu(2, { core: 0, pkg: 0, siblings: '0,2' }),
      ...sysCpu(3, { core: 1, pkg: 0, siblings: '1,3' }),
      'proc/cpuinfo': cpuinfo([0, 1, 0, 1].map((core) => ({ model, physical: 0, core, siblings: 4, cpuCores: 2 }))),
    });
    expect(readTopology(root)).toEqual({ logicalCpus: 4, physicalCores: 2, smtSiblingsPerCore: 2, sockets: 1, cpuModel: model, source: `${ONLINE}, ${SYS}, /proc/cpuinfo` });
  });

  it('no SMT: 2 logical CPUs = 2 cores (newer file names core_cpus_list / package_id, no online file)', () => {
    const root = tree({
      ...sysCpu(0, { core: 0, pkg: 0, siblings: '0' }, true),
      ...sysCpu(1, { core: 1, pkg: 0, siblings: '1' }, true),
      'proc/cpuinfo': cpuinfo([{ model: 'AMD EPYC' }, { model: 'AMD EPYC' }]),
    });
    expect(readTopology(root)).toEqual({ logicalCpus: 2, physicalCores: 2, smtSiblingsPerCore: 1, sockets: 1, cpuModel: 'AMD EPYC', source: `${SYS}, /proc/cpuinfo` });
  });

  it('counts only online CPUs: two sockets with SMT, the second socket offline', () => {
    const files: Record<string, string> = { 'sys/devices/system/cpu/online': '0-1,4-5\n' };
    // Socket 0: cpus 0,1,4,5 (cores 0,1 × 2 threads); socket 1: cpus 2,3,6,7, offline (their topology dirs kept).
    for (const [cpu, core, pkg, siblings] of [[0, 0, 0, '0,4'], [1, 1, 0, '1,5'], [4, 0, 0, '0,4'], [5, 1, 0, '1,5'], [2, 0, 1, '2,6'], [3, 1, 1, '3,7'], [6, 0, 1, '2,6'], [7, 1, 1, '3,7']] as const) {
      Object.assign(files, sysCpu(cpu, { core, pkg, siblings }));
    }
    expect(readTopology(tree(files))).toEqual({ logicalCpus: 4, physicalCores: 2, smtSiblingsPerCore: 2, sockets: 1, cpuModel: 'unknown', source: `${ONLINE}, ${SYS}` });
  });

  it('no /sys: /proc/cpuinfo physical id and core id (2 sockets × 2 cores × 2 threads)', () => {
    const model = 'Intel(R) Xeon(R) CPU E5-2620 v4 @ 2.10GHz';
    const cpus = [0, 1].flatMap((physical) => [0, 1, 0, 1].map((core) => ({ model, physical, core, siblings: 4, cpuCores: 2 })));
    expect(readTopology(tree({ 'proc/cpuinfo': cpuinfo(cpus) }))).toEqual({ logicalCpus: 8, physicalCores: 4, smtSiblingsPerCore: 2, sockets: 2, cpuModel: model, source: '/proc/cpuinfo' });
  });

  it('no /sys, /proc/cpuinfo without core id: cores from `cpu cores` × sockets, SMT from siblings / cpu cores', () => {
    const cpus = [0, 1, 2, 3].map(() => ({ model: 'Some CPU', physical: 0, siblings: 4, cpuCores: 2 }));
    expect(readTopology(tree({ 'proc/cpuinfo': cpuinfo(cpus) }))).toEqual({ logicalCpus: 4, physicalCores: 2, smtSiblingsPerCore: 2, sockets: 1, cpuModel: 'Some CPU', source: '/proc/cpuinfo' });
  });

  it('nothing readable: every field unknown; a fallback CPU count is used only when given', () => {
    const root = tree({});
    expect(readTopology(root)).toEqual({ logicalCpus: 'unknown', physicalCores: 'unknown', smtSiblingsPerCore: 'unknown', sockets: 'unknown', cpuModel: 'unknown', source: 'nothing readable' });
    expect(readTopology(root, 3)).toEqual({ logicalCpus: 3, physicalCores: 'unknown', smtSiblingsPerCore: 'unknown', sockets: 'unknown', cpuModel: 'unknown', source: 'os.availableParallelism()' });
  });

  it('on this machine: numbers for the counts, physical cores ≤ logical CPUs; env.json records it', () => {
    const t = readTopology();
    expect(typeof t.logicalCpus).toBe('number');
    if (typeof t.physicalCores === 'number') expect(t.physicalCores).toBeLessThanOrEqual(t.logicalCpus as number);
    expect(collectEnvironment({}).topology).toEqual(t);
  });
});

describe('topology parsing', () => {
  it('parses CPU lists', () => {
    expect(parseCpuList('0-3,8,10-11\n')).toEqual([0, 1, 2, 3, 8, 10, 11]);
    expect(parseCpuList('0')).toEqual([0]);
    expect(parseCpuList('')).toEqual([]);
  });

  it('parses /proc/cpuinfo blocks (fields absent on other architectures stay undefined)', () => {
    expect(parseCpuinfo(cpuinfo([{ model: 'X', physical: 1, core: 3, siblings: 2, cpuCores: 1 }, {}]))).toEqual([
      { modelName: 'X', physicalId: 1, coreId: 3, siblings: 2, cpuCores: 1 },
      { modelName: undefined, physicalId: undefined, coreId: undefined, siblings: undefined, cpuCores: undefined },
    ]);
  });

  it('a hybrid CPU (2 SMT cores + 2 single-thread cores): SMT width is the largest', () => {
    const sysCpus = [
      { cpu: 0, coreId: 0, packageId: 0, siblings: [0, 1] },
      { cpu: 1, coreId: 0, packageId: 0, siblings: [0, 1] },
      { cpu: 2, coreId: 4, packageId: 0, siblings: [2, 3] },
      { cpu: 3, coreId: 4, packageId: 0, siblings: [2, 3] },
      { cpu: 4, coreId: 8, packageId: 0, siblings: [4] },
      { cpu: 5, coreId: 9, packageId: 0, siblings: [5] },
    ];
    expect(topologyFrom({ sysCpus })).toEqual({ logicalCpus: 6, physicalCores: 4, smtSiblingsPerCore: 2, sockets: 1, cpuModel: 'unknown', source: SYS });
  });

  it('cpuCountRows: the rows charts read, only for known counts', () => {
    const known = { logicalCpus: 4, physicalCores: 2, smtSiblingsPerCore: 2, sockets: 1, cpuModel: 'X', source: SYS };
    const note = `machine topology (${SYS})`;
    expect(cpuCountRows(known)).toEqual([
      { metric: 'logical_cpus', unit: 'count', value: 4, note, exact: true },
      { metric: 'physical_cores', unit: 'count', value: 2, note, exact: true },
    ]);
    expect(cpuCountRows({ ...known, physicalCores: 'unknown' }).map((r) => r.metric)).toEqual(['logical_cpus']);
  });
});

describe('experiment 4 derive', () => {
  /** The parameters a point of experiment 4 gives its rows (batchCoordinates), as the child adds them. */
  const point = { model: 'm', template: 't', engine: 'jinja', turns: 100, tokens: 1000, requests: 16 };
  /** Experiment 4's derive on a main + pool×{1,2,4,8} batch_render with readTopology() returning `topology`. */
  async function deriveWith(topology: Topology) {
    vi.resetModules();
    vi.doMock('../common/measure/topology.ts', async (importOriginal) => ({ ...(await importOriginal<typeof import('../common/measure/topology.ts')>()), readTopology: () => topology }));
    const { contention } = await import('../experiments/preprocessing/04-contention.ts');
    vi.doUnmock('../common/measure/topology.ts');
    const batch = (strategy: string, workers: number, median: number) => recordOf({ params: { ...point, strategy, workers, tokenizer: 'js' }, metric: 'batch_render', unit: 'ms', summary: summarize([median * 0.99, median, median * 1.01]) }, { run_id: 'r', suite: 'preprocessing', experiment: 4 }, contention.params);
    const derived = contention.derive!([batch('main', 1, 100), ...[1, 2, 4, 8].map((w) => batch('pool', w, 100 / Math.min(w, 2)))], {} as never);
    return { derived, params: contention.params, ideal: derived.filter((r) => r.metric === 'speedup_render_ideal'), counts: derived.filter((r) => r.unit === 'count') };
  }
  // The point's parameters of the speedup rows they accompany (requests included), no strategy nor tokenizer.
  const ideal = (values: number[], note: string) => [1, 2, 4, 8].map((workers, i) => ({ params: { ...point, workers }, metric: 'speedup_render_ideal', unit: 'x', value: values[i], note, exact: true }));
  const smt = { logicalCpus: 4, physicalCores: 2, smtSiblingsPerCore: 2, sockets: 1, cpuModel: 'X', source: SYS } as const;

  it('SMT machine (4 logical CPUs, 2 cores): the ideal is capped at the 2 physical cores; both counts are rows', async () => {
    const { ideal: rows, counts } = await deriveWith(smt);
    expect(rows).toEqual(ideal([1, 2, 2, 2], 'linear scaling capped at 2 physical cores'));
    const note = `machine topology (${SYS})`;
    expect(counts).toEqual([
      { metric: 'logical_cpus', unit: 'count', value: 4, note, exact: true },
      { metric: 'physical_cores', unit: 'count', value: 2, note, exact: true },
    ]);
  });

  it('the ideal rows carry requests: a filter on requests keeps them beside the speedups', async () => {
    const { ideal: rows, params } = await deriveWith(smt);
    const csv = rows.map((r) => toRow(r, { run_id: 'r', suite: 'preprocessing', experiment: 4 }, params));
    expect(csv.map((r) => [r.workers, r.requests, r.model, r.turns, r.tokens, r.strategy, r.tokenizer])).toEqual([1, 2, 4, 8].map((w) => [w, 16, 'm', 100, 1000, undefined, undefined]));
  });

  it('over processes the constant rows keep their value with no interval (interval empty), never unstable', async () => {
    const { derived, params } = await deriveWith(smt);
    // Experiment 4's derive returns only constants here (the speedups themselves are measured rows).
    expect(derived.every((r: RowInput) => r.exact)).toBe(true);
    const combined = combineReplicates([0, 1, 2].flatMap((replicate) => derived.map((row) => ({ replicate, row })))).map(flagUnstable);
    const csv = combined.map((r) => toRow(r, { run_id: 'r', suite: 'preprocessing', experiment: 4 }, params));
    const cells = (metric: string, workers?: number) => csv.filter((r) => r.metric === metric && (workers === undefined || r.workers === workers)).map((r) => [r.median, r.ci_low, r.ci_high, r.interval, r.status, r.runs, r.between_sd]);
    expect(cells('speedup_render_ideal', 4)).toEqual([[2, '', '', '', 'ok', 3, 0]]);
    expect(cells('logical_cpus')).toEqual([[4, '', '', '', 'ok', 3, 0]]);
    expect(cells('physical_cores')).toEqual([[2, '', '', '', 'ok', 3, 0]]);
    expect(csv.every((r) => r.interval === '' && r.ci_low === '' && r.ci_high === '' && r.kind === 'exact')).toBe(true);
  });

  it('physical cores unknown: the ideal is capped at the logical CPUs; no physical_cores row', async () => {
    const { ideal: rows, counts } = await deriveWith({ ...smt, physicalCores: 'unknown', smtSiblingsPerCore: 'unknown', source: 'os.availableParallelism()' });
    expect(rows).toEqual(ideal([1, 2, 4, 4], 'linear scaling capped at 4 logical CPUs (physical cores unknown)'));
    expect(counts).toEqual([{ metric: 'logical_cpus', unit: 'count', value: 4, note: 'machine topology (os.availableParallelism())', exact: true }]);
  });
});
