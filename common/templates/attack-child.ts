/**
 * Entry of the child process attack-isolated.ts forks: checks the payloads named in its argument, one at
 * a time, and sends each outcome to the parent as soon as it has it — so a payload that ends this process
 * is known by elimination.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkPayload, payloadById } from './attack-check.ts';
import type { EngineId } from './engines.ts';
import type { RenderLimits } from './render-limits.ts';

export interface AttackJob {
  engine: EngineId;
  ids: string[];
  limits: RenderLimits;
}

const job = JSON.parse(process.argv[2] ?? '{}') as AttackJob;
const markerDir = mkdtempSync(join(tmpdir(), 'prepbench-attack-'));
try {
  for (const id of job.ids) {
    const outcome = checkPayload(job.engine, payloadById(id), job.limits, markerDir);
    await new Promise<void>((resolve, reject) => process.send!(outcome, (err: Error | null) => (err ? reject(err) : resolve())));
  }
} finally {
  rmSync(markerDir, { recursive: true, force: true });
}
process.disconnect();
