/**
 * Runs inside a pool thread or a child process. Builds the Preprocessor once, at module load, so
 * loading assets is part of start-up, never of a measured task.
 */
import { threadId } from 'node:worker_threads';
import { createPreprocessor, type PipelineConfig } from '../measure/pipeline.ts';
import { handleTask, type Task, type TaskResult, type WorkerIdentity } from './tasks.ts';

let preprocessor: Awaited<ReturnType<typeof createPreprocessor>> | undefined;

export interface WorkerInit {
  config: PipelineConfig;
  templateSource: string;
}

export async function init({ config, templateSource }: WorkerInit): Promise<void> {
  preprocessor = await createPreprocessor(config, templateSource);
}

export async function run(task: Task): Promise<TaskResult> {
  if (!preprocessor) throw new Error('worker used before init');
  return handleTask(preprocessor, task);
}

export function identity(): WorkerIdentity {
  return { pid: process.pid, threadId };
}

/** Test hook: lets tests prove a crashing worker becomes an error, not a hang. */
export function crash(): never {
  process.exit(70);
}
