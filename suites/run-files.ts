/**
 * Which files of a run folder are complete at this moment, so that a user who quits before the end
 * (a deliberate second Ctrl-C) is told what is on disk and how to finish it.
 */
type RunStage = 'measuring' | 'results' | 'report' | 'done';

export class RunFiles {
  dir?: string;
  stage: RunStage = 'measuring';

  describe(): string {
    if (!this.dir) return 'No run folder was created yet.';
    const rows = 'replicates.csv and samples.jsonl (every row measured so far)';
    const finish = `npm run bench -- --resume ${this.dir} measures what is missing and writes them`;
    switch (this.stage) {
      case 'measuring':
        return `Complete in ${this.dir}: ${rows}; not written: results.csv, summary.md, the charts and report.html (${finish}).`;
      case 'results':
        return `Complete in ${this.dir}: ${rows}; results.csv was being written, summary.md, the charts and report.html were not (${finish}).`;
      case 'report':
        return `Complete in ${this.dir}: ${rows}, results.csv and env.json; the charts, summary.md and report.html were being written (npm run report -- ${this.dir} rebuilds them).`;
      case 'done':
        return `Complete in ${this.dir}: every file.`;
    }
  }
}
