/**
 * Where a command line writes: every CLI (bench, report, compare, merge, k8s) takes one, so tests call it
 * with a capturing pair and the entry points in scripts/ pass `processIO`.
 */
export interface CliIO {
  stdout(s: string): void;
  stderr(s: string): void;
}

/** The process's own stdout and stderr. */
export const processIO: CliIO = {
  stdout: (s) => void process.stdout.write(s),
  stderr: (s) => void process.stderr.write(s),
};
