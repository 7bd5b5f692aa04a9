/**
 * Collation: what a serving engine does last before the GPU — pad a batch of id sequences to a common
 * length (rounded up to a multiple of 8, which tensor cores like) in one contiguous Int32Array, with
 * an attention mask (1 = real token, 0 = padding). Right padding, pad id configurable.
 */
export interface CollatedBatch {
  batchSize: number;
  /** Padded sequence length, a multiple of `multiple`. */
  seqLen: number;
  inputIds: Int32Array;
  attentionMask: Int32Array;
}

export function collate(sequences: ArrayLike<number>[], padId = 0, multiple = 8): CollatedBatch {
  const longest = sequences.reduce((m, s) => Math.max(m, s.length), 0);
  const seqLen = Math.max(multiple, Math.ceil(longest / multiple) * multiple);
  const inputIds = new Int32Array(sequences.length * seqLen).fill(padId);
  const attentionMask = new Int32Array(sequences.length * seqLen);
  sequences.forEach((seq, row) => {
    const offset = row * seqLen;
    for (let i = 0; i < seq.length; i++) inputIds[offset + i] = seq[i];
    attentionMask.fill(1, offset, offset + seq.length);
  });
  return { batchSize: sequences.length, seqLen, inputIds, attentionMask };
}
