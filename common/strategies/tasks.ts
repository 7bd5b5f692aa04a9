/**
 * The unit of work every strategy executes, and the handler that executes it. Workers and child
 * processes run `handleTask` with a Preprocessor built from the same PipelineConfig as the main thread.
 */
import type { ChatMessage } from '../templates/engines.ts';
import type { Preprocessor } from '../measure/pipeline.ts';

export type TaskOp = 'noop' | 'render' | 'tokenize' | 'prepare';

/**
 * How a task crosses to a worker and back. `clone`: parsed messages in, ids as a plain array out (both
 * copied by structured clone or JSON). `json`: the request body as a gateway receives it (JSON text) in,
 * parsed by the worker; ids out as an Int32Array, transferred rather than copied by worker threads
 * (IPC to a child process cannot transfer, so the process strategy sends a plain array back).
 */
export const TASK_ENCODINGS = ['clone', 'json'] as const;
export type TaskEncoding = (typeof TASK_ENCODINGS)[number];

export interface Task {
  op: TaskOp;
  messages?: ChatMessage[];
  /** The messages as JSON text (encoding `json`), instead of `messages`. */
  body?: string;
  text?: string;
  /** Return ids packed in an Int32Array (encoding `json`). */
  packed?: boolean;
}

export interface TaskResult {
  /** Rendered prompt (render). */
  text?: string;
  /** Token ids (tokenize, prepare). */
  ids?: number[] | Int32Array;
}

export async function handleTask(pre: Preprocessor, task: Task): Promise<TaskResult> {
  switch (task.op) {
    case 'noop':
      return {};
    case 'render':
      return { text: pre.render(messagesOf(task)) };
    case 'tokenize':
      return { ids: pack(task, await pre.tokenize(requireField(task.text, 'text'))) };
    case 'prepare':
      return { ids: pack(task, await pre.prepare(messagesOf(task))) };
    default:
      throw new Error(`unknown task op '${(task as Task).op}'`);
  }
}

function messagesOf(task: Task): ChatMessage[] {
  return task.body !== undefined ? (JSON.parse(task.body) as ChatMessage[]) : requireField(task.messages, 'messages');
}

function pack(task: Task, ids: number[]): number[] | Int32Array {
  return task.packed ? Int32Array.from(ids) : ids;
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
