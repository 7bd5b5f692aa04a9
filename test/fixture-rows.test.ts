/**
 * `npm run fixture-rows`: an experiment's rows of a run folder go into the trimmed run the chart and
 * report tests read, replacing its earlier rows; a new parameter column is added before `metric`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runFixtureRowsCli, withRowsOf } from '../scripts/fixture-rows-command.ts';
import { tempDir } from './helpers.ts';

const FIXTURE = 'run_id,suite,experiment,model,metric,unit,median,status\nf,pre,1,llama,template,ms,0.4,ok\nf,pre,3,qwen,batch,ms,"1,5",ok\nf,pre,12,old,render,ms,9,ok\n';
const RUN = 'run_id,suite,experiment,model,engine,metric,unit,median,status\nr,pre,12,llama,jinja,render,ms,0.2,ok\nr,pre,12,llama,nunjucks,render,ms,0.01,unstable\nr,pre,1,llama,jinja,template,ms,0.5,ok\n';

describe('fixture rows', () => {
  it("replaces the experiment's rows, in experiment order, adding its new parameter before metric", () => {
    const { text, added } = withRowsOf(FIXTURE, RUN, [12]);
    expect(text).toBe(
      'run_id,suite,experiment,model,engine,metric,unit,median,status\nf,pre,1,llama,,template,ms,0.4,ok\nf,pre,3,qwen,,batch,ms,"1,5",ok\nr,pre,12,llama,jinja,render,ms,0.2,ok\nr,pre,12,llama,nunjucks,render,ms,0.01,unstable\n',
    );
    expect([...added]).toEqual([[12, 2]]);
    // An experiment placed before others keeps experiment order.
    expect(withRowsOf(FIXTURE, RUN.replace(/,12,/g, ',2,'), [2]).text.split('\n').map((l) => l.split(',')[2])).toEqual(['experiment', '1', '2', '2', '3', '12', undefined]);
  });

  it('writes the fixture; a run without rows of the experiment, or no run folder, exits 2 and leaves it as it was', () => {
    const dir = tempDir();
    const fixture = join(dir, 'fixture.csv');
    const run = join(dir, 'run');
    mkdirSync(run);
    writeFileSync(fixture, FIXTURE);
    writeFileSync(join(run, 'results.csv'), RUN);
    let out = '';
    let err = '';
    const io = { stdout: (s: string) => (out += s), stderr: (s: string) => (err += s) };
    expect(runFixtureRowsCli([run, '7'], io, fixture)).toBe(2);
    expect(err).toBe(`error: ${run} has no rows of experiment 7\n`);
    expect(runFixtureRowsCli([join(dir, 'nowhere'), '12'], io, fixture)).toBe(2);
    expect(runFixtureRowsCli([run], io, fixture)).toBe(2);
    expect(readFileSync(fixture, 'utf8')).toBe(FIXTURE);
    expect(runFixtureRowsCli([run, '12'], io, fixture)).toBe(0);
    expect(out).toBe(`experiment 12: 2 rows → ${fixture}\n`);
    expect(readFileSync(fixture, 'utf8')).toBe(withRowsOf(FIXTURE, RUN, [12]).text);
  });
});
