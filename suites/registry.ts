/**
 * The suite registry. Adding a suite = a folder under suites/ whose index default-exports a Suite, plus
 * one line here. A suite kept elsewhere (a contributor's own, a test fixture) is loaded from the module
 * paths in PREPBENCH_SUITES (comma-separated), without editing this file. Experiment ids are unique
 * across suites, so `--exp 5` needs no suite name.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UnknownNameError } from '../common/assets/models.ts';
import { InputError } from '../common/cli/input-error.ts';
import { checkSuite } from './suite-checks.ts';
import type { Experiment, Suite } from './types.ts';
import preprocessing from './preprocessing/index.ts';
import inference from './inference/index.ts';

const BUILT_IN: readonly Suite[] = [preprocessing, inference];

export const DEFAULT_SUITE = 'preprocessing';

const external: Suite[] = [];

export function allSuites(): readonly Suite[] {
  return [...BUILT_IN, ...external];
}

/** Adds a suite; its name and experiment ids must be new, its declarations sound (suite-checks.ts). */
function registerSuite(suite: Suite): void {
  checkSuite(suite);
  if (allSuites().some((s) => s.name === suite.name)) throw new InputError(`a suite named '${suite.name}' is already registered`);
  const ids = new Set(allSuites().flatMap((s) => s.experiments.map((e) => e.id)));
  const clash = suite.experiments.find((e) => ids.has(e.id));
  if (clash) throw new InputError(`suite '${suite.name}': experiment id ${clash.id} is already taken (taken: ${[...ids].sort((a, b) => a - b).join(', ')})`);
  external.push(suite);
}

/**
 * Checks the built-in suites' declarations (a contributor's new experiment fails here, exit 2, rather
 * than mid-run), then loads the suites named in PREPBENCH_SUITES (module paths, relative to the working folder).
 */
export async function loadExternalSuites(list = process.env.PREPBENCH_SUITES ?? ''): Promise<void> {
  BUILT_IN.forEach(checkSuite);
  const ids = BUILT_IN.flatMap((s) => s.experiments.map((e) => e.id));
  const twice = ids.find((id, i) => ids.indexOf(id) !== i);
  if (twice !== undefined) throw new InputError(`experiment id ${twice} is taken twice among the built-in suites`);
  for (const path of list.split(',').map((s) => s.trim()).filter(Boolean)) {
    const url = pathToFileURL(resolve(path)).href;
    if (external.some((s) => s.entry === url)) continue;
    let suite: Suite | undefined;
    try {
      suite = (await import(url)).default;
    } catch (err) {
      throw new InputError(`PREPBENCH_SUITES: cannot load '${path}': ${(err as Error).message}`);
    }
    if (!suite || typeof suite.name !== 'string' || !Array.isArray(suite.experiments)) throw new InputError(`PREPBENCH_SUITES: '${path}' has no default export that is a Suite (name, entry, experiments)`);
    registerSuite(suite);
  }
}

export function getSuite(name: string): Suite {
  const suite = allSuites().find((s) => s.name === name);
  if (!suite) throw new UnknownNameError('suite', name, allSuites().map((s) => s.name));
  return suite;
}

export function allExperiments(): { suite: Suite; experiment: Experiment }[] {
  return allSuites().flatMap((suite) => suite.experiments.map((experiment) => ({ suite, experiment })));
}

export function findExperiment(id: number): { suite: Suite; experiment: Experiment } {
  const found = allExperiments().find((e) => e.experiment.id === id);
  if (!found) throw new UnknownNameError('experiment', String(id), allExperiments().map((e) => `${e.experiment.id} (${e.experiment.slug})`));
  return found;
}
