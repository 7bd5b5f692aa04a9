import { describe, expect, it } from 'vitest';
import { collate } from '../common/measure/collate.ts';

describe('collate', () => {
  it('pads to a multiple of 8 with an attention mask', () => {
    const b = collate([[1, 2, 3], [4, 5, 6, 7, 8, 9, 10, 11, 12]], 0);
    expect(b.batchSize).toBe(2);
    expect(b.seqLen).toBe(16);
    expect(b.inputIds).toBeInstanceOf(Int32Array);
    expect(Array.from(b.inputIds.subarray(0, 16))).toEqual([1, 2, 3, ...Array(13).fill(0)]);
    expect(Array.from(b.inputIds.subarray(16, 32))).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12, ...Array(7).fill(0)]);
    expect(Array.from(b.attentionMask.subarray(0, 16))).toEqual([1, 1, 1, ...Array(13).fill(0)]);
    expect(b.attentionMask.subarray(16, 32).reduce((a, x) => a + x, 0)).toBe(9);
  });

  it('uses the given pad id and keeps exact multiples unpadded', () => {
    const b = collate([[1, 2, 3, 4, 5, 6, 7, 8], [9]], -1);
    expect(b.seqLen).toBe(8);
    expect(Array.from(b.inputIds.subarray(8))).toEqual([9, -1, -1, -1, -1, -1, -1, -1]);
  });
});
