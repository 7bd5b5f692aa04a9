/** The preprocessing suite: the CPU work before the GPU — chat templates, tokenization, collation. */
import type { Suite } from '../types.ts';
import { anatomy } from '../../experiments/preprocessing/01-anatomy.ts';
import { history } from '../../experiments/preprocessing/02-history.ts';
import { queue } from '../../experiments/preprocessing/03-queue.ts';
import { contention } from '../../experiments/preprocessing/04-contention.ts';
import { corpus } from '../../experiments/preprocessing/08-corpus.ts';
import { tokenizers } from '../../experiments/preprocessing/10-tokenizers.ts';
import { pipelines } from '../../experiments/preprocessing/11-pipelines.ts';
import { closeAllStrategies } from '../../common/strategies/cache.ts';
import { BOUNDED_ENCODE_MODULE } from '../../common/measure/bounded-encode.ts';
import { WORKER_HANDLER_MODULE } from '../../common/strategies/index.ts';
import { preprocessingCli } from './cli.ts';

const preprocessingSuite: Suite = {
  name: 'preprocessing',
  entry: import.meta.url,
  workerModules: [WORKER_HANDLER_MODULE, BOUNDED_ENCODE_MODULE],
  description: 'Chat-template rendering, BPE tokenization and collation across engines, tokenizers and execution strategies',
  experiments: [anatomy, history, queue, contention, corpus, tokenizers, pipelines],
  cli: preprocessingCli,
  // Pools started by experiments 3 and 4 are shared between them; close them when the suite is done.
  teardown: closeAllStrategies,
};

export default preprocessingSuite;
