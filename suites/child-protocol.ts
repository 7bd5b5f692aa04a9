/** Messages between the runner and a child process measuring a group of points (structured clone over IPC). */
import type { RowInput } from '../common/results/results.ts';
import type { RunOptions } from './types.ts';

export type ChildOptions = Omit<RunOptions, 'signal' | 'progress'>;

/** One point to measure: its experiment, matrix index and label (the child checks its matrix agrees). */
export interface JobItem {
  experiment: number;
  point: number;
  label: string;
}

export interface ChildJob {
  /** Module URL whose default export is the suite (Suite.entry). */
  entry: string;
  items: JobItem[];
  options: ChildOptions;
}

export type ParentMessage = { type: 'job'; job: ChildJob } | { type: 'abort' };

/** `item` is the index into the job's items. */
export type ChildMessage =
  | { type: 'point-start'; item: number }
  | { type: 'rows'; item: number; rows: RowInput[] }
  | { type: 'point-error'; item: number; message: string }
  | { type: 'progress'; detail: string }
  | { type: 'done'; teardownError?: string; calibrationMs?: number };
