/**
 * The unit of work every strategy executes, and the handler that executes it. Workers and child
 * processes run `handleTask` with a Preprocessor built from the same PipelineConfig as the main thread.
 */
import type { ChatMessage } from '../templates/engines.ts';
import type { Preprocessor } from '../pipeline.ts';

export type TaskOp = 'noop' | 'render' | 'tokenize' | 'prepare';

export interface Task {
  op: TaskOp;
  messages?: ChatMessage[];
  text?: string;
}

export interface TaskResult {
  /** Rendered prompt (render). */
  text?: string;
  /** Token ids (tokenize, prepare). */
  ids?: number[];
}

export async function handleTask(pre: Preprocessor, task: Task): Promise<TaskResult> {
  switch (task.op) {
    case 'noop':
      return {};
    case 'render':
      return { text: pre.render(requireField(task.messages, 'messages')) };
    case 'tokenize':
      return { ids: await pre.tokenize(requireField(task.text, 'text')) };
    case 'prepare':
      return { ids: await pre.prepare(requireField(task.messages, 'messages')) };
    default:
      throw new Error(`unknown task op '${(task as Task).op}'`);
  }
}

function requireField<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`task is missing '${name}'`);
  return value;
}

/** Who answered: lets start-up wait until every worker has loaded its assets. */
export interface WorkerIdentity {
  pid: number;
  threadId: number;
}
