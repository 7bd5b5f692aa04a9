/**
 * tokenizers.csv (experiment 10): per library, model and checked text, whether its ids equal the
 * reference's (identical), where they first differ (differs), or why the library cannot load the
 * vocabulary (unsupported) — from the rows as results.csv holds them, so `npm run merge` writes it too.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { ResultRow } from '../../common/results/results.ts';

export function tokenizerVerdict(row: Pick<ResultRow, 'status' | 'error'>): 'identical' | 'differs' | 'unsupported' {
  if (row.status === 'ok') return 'identical';
  return (row.error ?? '').startsWith('differs') ? 'differs' : 'unsupported';
}

export function writeTokenizersCsv(rows: readonly ResultRow[], runDir: string): void {
  const ids = rows.filter((r) => r.metric === 'ids');
  const lines = ids.map((r) => [r.library ?? '', r.model ?? '', r.text ?? '', tokenizerVerdict(r), r.error]);
  writeFileSync(join(runDir, 'tokenizers.csv'), stringify([['library', 'model', 'text', 'verdict', 'detail'], ...lines]));
}
