/**
 * Machine topology, recorded in env.json and used to draw the ideal scaling line: logical CPUs, physical
 * cores, SMT threads per core and sockets, read from Linux's /sys CPU topology (falling back to
 * /proc/cpuinfo). Parsing is pure (`topologyFrom`); `readTopology` only gathers the files. Anything that
 * cannot be read is the string 'unknown' rather than a guess.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { RowInput } from '../results/results.ts';

export type Count = number | 'unknown';

export interface Topology {
  logicalCpus: Count;
  physicalCores: Count;
  /** SMT width: threads per physical core (the largest, if cores differ). 1 = no SMT. */
  smtSiblingsPerCore: Count;
  sockets: Count;
  cpuModel: string;
  /** What the figures were read from: the files (paths under the root) and/or os.availableParallelism(). */
  source: string;
}

/** One CPU's /sys/devices/system/cpu/cpuN/topology files (absent ones undefined). */
export interface SysCpu {
  cpu: number;
  coreId?: number;
  packageId?: number;
  /** thread_siblings_list (or its newer name core_cpus_list): the CPUs sharing this CPU's core. */
  siblings?: number[];
}

export interface TopologyInput {
  /** /sys/devices/system/cpu/online, parsed; undefined when the file is absent. */
  online?: number[];
  sysCpus: SysCpu[];
  /** The text of /proc/cpuinfo, if readable. */
  cpuinfo?: string;
  /** Logical CPU count to use when neither file gives one (os.availableParallelism() on the live machine). */
  fallbackLogicalCpus?: number;
}

const SYS_CPU = '/sys/devices/system/cpu';
const SYS_TOPOLOGY = `${SYS_CPU}/cpu*/topology`;
const CPUINFO = '/proc/cpuinfo';

/** `0-3,8,10-11` → [0, 1, 2, 3, 8, 10, 11]; an empty or malformed list gives []. */
export function parseCpuList(text: string): number[] {
  const cpus: number[] = [];
  for (const part of text.trim().split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) continue;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    for (let c = from; c <= to; c++) cpus.push(c);
  }
  return cpus;
}

export interface CpuinfoEntry {
  modelName?: string;
  physicalId?: number;
  coreId?: number;
  siblings?: number;
  cpuCores?: number;
}

/** /proc/cpuinfo → one entry per `processor` block (blank-line separated). */
export function parseCpuinfo(text: string): CpuinfoEntry[] {
  const entries: CpuinfoEntry[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const line of block.split('\n')) {
      const i = line.indexOf(':');
      if (i > 0) fields.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
    }
    if (!fields.has('processor')) continue;
    const num = (key: string) => (/^\d+$/.test(fields.get(key) ?? '') ? Number(fields.get(key)) : undefined);
    entries.push({ modelName: fields.get('model name') || undefined, physicalId: num('physical id'), coreId: num('core id'), siblings: num('siblings'), cpuCores: num('cpu cores') });
  }
  return entries;
}

const distinct = (keys: string[]) => new Set(keys).size;
/** Largest number of CPUs sharing one key (one core). */
const largestGroup = (keys: string[]) => {
  const sizes = new Map<string, number>();
  for (const k of keys) sizes.set(k, (sizes.get(k) ?? 0) + 1);
  return Math.max(...sizes.values());
};

/** The topology described by the files (pure: no I/O). */
export function topologyFrom(input: TopologyInput): Topology {
  const sources: string[] = [];
  const online = input.online ? new Set(input.online) : undefined;
  const entries = input.cpuinfo === undefined ? [] : parseCpuinfo(input.cpuinfo);
  const cpuModel = entries.find((e) => e.modelName)?.modelName ?? 'unknown';
  let counts: Omit<Topology, 'cpuModel' | 'source'> = { logicalCpus: 'unknown', physicalCores: 'unknown', smtSiblingsPerCore: 'unknown', sockets: 'unknown' };

  const sys = input.sysCpus.filter((c) => !online || online.has(c.cpu));
  // A CPU's core: the set of its (online) thread siblings, or else its package and core id.
  const coreKey = (c: SysCpu) =>
    c.siblings?.length ? c.siblings.filter((s) => !online || online.has(s)).join(',') : c.coreId !== undefined && c.packageId !== undefined ? `${c.packageId}:${c.coreId}` : undefined;
  if (sys.length > 0 && sys.every((c) => coreKey(c) !== undefined)) {
    const cores = sys.map((c) => coreKey(c)!);
    const sockets = sys.every((c) => c.packageId !== undefined) ? distinct(sys.map((c) => String(c.packageId))) : 'unknown';
    counts = { logicalCpus: sys.length, physicalCores: distinct(cores), smtSiblingsPerCore: largestGroup(cores), sockets };
    if (online) sources.push(`${SYS_CPU}/online`);
    sources.push(SYS_TOPOLOGY);
  } else if (entries.length > 0) {
    // /proc/cpuinfo lists online CPUs only. x86 gives physical id / core id; other architectures may not.
    const sockets = entries.every((e) => e.physicalId !== undefined) ? distinct(entries.map((e) => String(e.physicalId))) : 'unknown';
    counts = { ...counts, logicalCpus: entries.length, sockets };
    if (entries.every((e) => e.physicalId !== undefined && e.coreId !== undefined)) {
      const cores = entries.map((e) => `${e.physicalId}:${e.coreId}`);
      counts = { ...counts, physicalCores: distinct(cores), smtSiblingsPerCore: largestGroup(cores) };
    } else {
      // `cpu cores` per socket and `siblings` (threads) per socket.
      const { siblings, cpuCores } = entries[0];
      if (cpuCores !== undefined && sockets !== 'unknown') counts.physicalCores = cpuCores * sockets;
      if (cpuCores && siblings !== undefined && siblings % cpuCores === 0) counts.smtSiblingsPerCore = siblings / cpuCores;
    }
  }
  if (entries.length > 0) sources.push(CPUINFO);
  if (counts.logicalCpus === 'unknown' && input.fallbackLogicalCpus !== undefined) {
    counts.logicalCpus = input.fallbackLogicalCpus;
    sources.push('os.availableParallelism()');
  }
  return { ...counts, cpuModel, source: sources.length > 0 ? sources.join(', ') : 'nothing readable' };
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function readId(path: string): number | undefined {
  const text = readText(path)?.trim();
  // Some kernels write -1 for an id they do not know.
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
}

function readSysCpus(root: string): SysCpu[] {
  const dir = join(root, SYS_CPU);
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /^cpu\d+$/.test(n));
  } catch {
    return [];
  }
  return names
    .flatMap((name): SysCpu[] => {
      const t = join(dir, name, 'topology');
      if (!existsSync(t)) return [];
      const siblings = readText(join(t, 'thread_siblings_list')) ?? readText(join(t, 'core_cpus_list'));
      return [{
        cpu: Number(name.slice(3)),
        coreId: readId(join(t, 'core_id')),
        packageId: readId(join(t, 'physical_package_id')) ?? readId(join(t, 'package_id')),
        siblings: siblings === undefined ? undefined : parseCpuList(siblings),
      }];
    })
    .sort((a, b) => a.cpu - b.cpu);
}

/**
 * The topology of the machine whose filesystem is at `root`. On the live machine (`/`) a missing CPU
 * count falls back to os.availableParallelism(); elsewhere (a fixture tree) nothing is borrowed from
 * this machine unless given.
 */
export function readTopology(root = '/', fallbackLogicalCpus: number | undefined = root === '/' ? os.availableParallelism() : undefined): Topology {
  const online = readText(join(root, SYS_CPU, 'online'));
  return topologyFrom({
    online: online === undefined ? undefined : parseCpuList(online),
    sysCpus: readSysCpus(root),
    cpuinfo: readText(join(root, CPUINFO)),
    fallbackLogicalCpus,
  });
}

/**
 * Results rows `logical_cpus` and `physical_cores` (those known), so that charts, which see only
 * results.csv, can mark where each ends. `exact`: the same in every process, they get no interval.
 */
export function cpuCountRows(t: Topology): RowInput[] {
  const note = `machine topology (${t.source})`;
  return [
    ...(typeof t.logicalCpus === 'number' ? [{ metric: 'logical_cpus', unit: 'count', value: t.logicalCpus, note, exact: true }] : []),
    ...(typeof t.physicalCores === 'number' ? [{ metric: 'physical_cores', unit: 'count', value: t.physicalCores, note, exact: true }] : []),
  ];
}
