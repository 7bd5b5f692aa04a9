/**
 * The inference suite: what a client of an OpenAI-compatible server sees (TTFT, ITL, TPOT, E2E,
 * throughput, goodput) — against the embedded llama.cpp backend by default or any --target — and what a
 * Node gateway's own preprocessing adds to it.
 */
import type { Suite } from '../types.ts';
import { latency } from '../../experiments/inference/05-latency.ts';
import { gateway } from '../../experiments/inference/06-gateway.ts';
import { prefix } from '../../experiments/inference/07-prefix.ts';
import { goodput } from '../../experiments/inference/09-goodput.ts';
import { closeTargets } from './targets.ts';
import { closeAllStrategies } from '../../common/strategies/cache.ts';
import { WORKER_HANDLER_MODULE } from '../../common/strategies/index.ts';
import { LOAD_WORKER_MODULE } from './load-workers.ts';
import { inferenceCli } from './cli.ts';
import { writeInferenceSummary } from './summary-file.ts';

const inferenceSuite: Suite = {
  name: 'inference',
  entry: import.meta.url,
  // The gateway's pools (experiment 6) and the load workers.
  workerModules: [WORKER_HANDLER_MODULE, LOAD_WORKER_MODULE],
  description: 'Streaming latency and throughput of an OpenAI-compatible server (embedded llama.cpp by default), and what a Node gateway\'s preprocessing adds to it',
  experiments: [latency, gateway, prefix, goodput],
  cli: inferenceCli,
  // One summary of every inference experiment of the run.
  writeFiles: (results, options) =>
    writeInferenceSummary(
      options.runDir,
      results.map(({ experiment, rows }) => ({ id: experiment.id, title: experiment.title, question: experiment.question, headline: experiment.headline ?? [], rows })),
    ),
  // The embedded server and the gateway's pools are shared by experiments 5–7; stop them when the suite is done.
  teardown: async () => {
    await Promise.allSettled([closeTargets(), closeAllStrategies()]);
  },
};

export default inferenceSuite;
