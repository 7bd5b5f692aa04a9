/** Messages between the runner and a child process measuring a group of points (structured clone over IPC). */
import type { RowInput } from '../common/results.ts';
import type { RunOptions } from './types.ts';

export type ChildOptions = Omit<RunOptions, 'signal' | 'progress'>;

export interface ChildJob {
  /** Module URL whose default export is the suite (Suite.entry). */
  entry: string;
  experiment: number;
  /** Matrix indices to measure, in order, and their labels (the child checks its matrix agrees). */
  points: number[];
  labels: string[];
  options: ChildOptions;
}

export type ParentMessage = { type: 'job'; job: ChildJob } | { type: 'abort' };

export type ChildMessage =
  | { type: 'point-start'; point: number }
  | { type: 'rows'; point: number; rows: RowInput[] }
  | { type: 'point-error'; point: number; message: string }
  | { type: 'progress'; detail: string }
  | { type: 'done'; teardownError?: string };
