/**
 * The suite registry. Adding a suite = a folder under suites/ exporting a Suite, plus one line here.
 * Experiment ids are unique across suites, so `--exp 5` needs no suite name.
 */
import type { Experiment, Suite } from './types.ts';
import { UnknownNameError } from '../common/assets/models.ts';
import { preprocessingSuite } from './preprocessing/index.ts';
import { inferenceSuite } from './inference/index.ts';

export const SUITES: readonly Suite[] = [
  preprocessingSuite,
  inferenceSuite,
];

export const DEFAULT_SUITE = 'preprocessing';

export function getSuite(name: string): Suite {
  const suite = SUITES.find((s) => s.name === name);
  if (!suite) throw new UnknownNameError('suite', name, SUITES.map((s) => s.name));
  return suite;
}

export function allExperiments(): { suite: Suite; experiment: Experiment }[] {
  return SUITES.flatMap((suite) => suite.experiments.map((experiment) => ({ suite, experiment })));
}

export function findExperiment(id: number): { suite: Suite; experiment: Experiment } {
  const found = allExperiments().find((e) => e.experiment.id === id);
  if (!found) throw new UnknownNameError('experiment', String(id), allExperiments().map((e) => `${e.experiment.id} (${e.experiment.slug})`));
  return found;
}
