/**
 * A minimal GGUF v3 writer: header, typed key/value metadata, tensor infos, then the tensor data, each
 * tensor aligned to `general.alignment` (32). Enough to emit a llama.cpp-loadable model; it knows nothing
 * about any architecture (see dummy-model.ts for that).
 *
 * Layout (all little-endian): "GGUF" u32 version u64 n_tensors u64 n_kv, then n_kv × (string key,
 * u32 type, value), then n_tensors × (string name, u32 n_dims, u64 dims[n_dims], u32 ggml_type,
 * u64 offset-within-data), padding to the alignment, then the data section.
 * Strings are u64 byte length + UTF-8 bytes, no terminator.
 */
import { openSync, writeSync, closeSync, renameSync } from 'node:fs';

const ALIGNMENT = 32;

/** GGUF metadata value types (gguf.h `gguf_type`). */
export const GgufType = {
  UINT8: 0, INT8: 1, UINT16: 2, INT16: 3, UINT32: 4, INT32: 5, FLOAT32: 6, BOOL: 7, STRING: 8, ARRAY: 9,
  UINT64: 10, INT64: 11, FLOAT64: 12,
} as const;
type ScalarType = Exclude<(typeof GgufType)[keyof typeof GgufType], 9>;

/** Tensor element types we emit (ggml.h `ggml_type`). */
export const GgmlType = { F32: 0, F16: 1 } as const;
export type TensorType = (typeof GgmlType)[keyof typeof GgmlType];
const BYTES_PER_ELEMENT: Record<TensorType, number> = { 0: 4, 1: 2 };

export type GgufValue =
  | { type: ScalarType; value: number | bigint | boolean | string }
  | { type: 9; itemType: ScalarType; items: readonly (number | string)[] };

export interface TensorSpec {
  name: string;
  /** ggml order: dims[0] is the contiguous (row) dimension, e.g. [n_embd, n_vocab] for token_embd. */
  dims: readonly number[];
  type: TensorType;
  /** Fills `out` (exactly the tensor's bytes). Called once, in file order, so a seeded PRNG stays deterministic. */
  fill(out: Buffer): void;
}

/** Grows a buffer as metadata is appended (the vocabulary alone is a few MB). */
class ByteSink {
  private buf = Buffer.alloc(1 << 20);
  length = 0;
  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }
  u32(v: number): void { this.reserve(4); this.buf.writeUInt32LE(v, this.length); this.length += 4; }
  u64(v: number | bigint): void { this.reserve(8); this.buf.writeBigUInt64LE(BigInt(v), this.length); this.length += 8; }
  string(s: string): void {
    const bytes = Buffer.from(s, 'utf8');
    this.u64(bytes.length);
    this.reserve(bytes.length);
    bytes.copy(this.buf, this.length);
    this.length += bytes.length;
  }
  scalar(type: ScalarType, v: number | bigint | boolean | string): void {
    this.reserve(8);
    const b = this.buf, o = this.length;
    switch (type) {
      case GgufType.UINT8: b.writeUInt8(Number(v), o); this.length += 1; break;
      case GgufType.INT8: b.writeInt8(Number(v), o); this.length += 1; break;
      case GgufType.UINT16: b.writeUInt16LE(Number(v), o); this.length += 2; break;
      case GgufType.INT16: b.writeInt16LE(Number(v), o); this.length += 2; break;
      case GgufType.UINT32: b.writeUInt32LE(Number(v), o); this.length += 4; break;
      case GgufType.INT32: b.writeInt32LE(Number(v), o); this.length += 4; break;
      case GgufType.FLOAT32: b.writeFloatLE(Number(v), o); this.length += 4; break;
      case GgufType.BOOL: b.writeUInt8(v ? 1 : 0, o); this.length += 1; break;
      case GgufType.UINT64: b.writeBigUInt64LE(BigInt(v), o); this.length += 8; break;
      case GgufType.INT64: b.writeBigInt64LE(BigInt(v), o); this.length += 8; break;
      case GgufType.FLOAT64: b.writeDoubleLE(Number(v), o); this.length += 8; break;
      case GgufType.STRING: this.string(String(v)); break;
    }
  }
  pad(): void {
    const n = (ALIGNMENT - (this.length % ALIGNMENT)) % ALIGNMENT;
    this.reserve(n);
    this.buf.fill(0, this.length, this.length + n);
    this.length += n;
  }
  bytes(): Buffer { return this.buf.subarray(0, this.length); }
}

const align = (n: number) => Math.ceil(n / ALIGNMENT) * ALIGNMENT;

export function tensorBytes(t: Pick<TensorSpec, 'dims' | 'type'>): number {
  return t.dims.reduce((a, b) => a * b, 1) * BYTES_PER_ELEMENT[t.type];
}

/**
 * Writes the GGUF to `path` (via a temporary file renamed at the end, so a crash never leaves a
 * truncated model in the cache). Returns the file size in bytes.
 */
export function writeGguf(path: string, metadata: ReadonlyMap<string, GgufValue>, tensors: readonly TensorSpec[]): number {
  const head = new ByteSink();
  head.u32(0x46554747); // "GGUF" read as a little-endian u32
  head.u32(3);
  head.u64(tensors.length);
  head.u64(metadata.size);
  for (const [key, v] of metadata) {
    head.string(key);
    head.u32(v.type);
    if (v.type === GgufType.ARRAY) {
      head.u32(v.itemType);
      head.u64(v.items.length);
      for (const item of v.items) head.scalar(v.itemType, item);
    } else {
      head.scalar(v.type, v.value);
    }
  }
  let offset = 0;
  for (const t of tensors) {
    head.string(t.name);
    head.u32(t.dims.length);
    for (const d of t.dims) head.u64(d);
    head.u32(t.type);
    head.u64(offset);
    offset += align(tensorBytes(t));
  }
  head.pad();

  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  let size = 0;
  try {
    size += writeAll(fd, head.bytes());
    for (const t of tensors) {
      const n = tensorBytes(t);
      const out = Buffer.alloc(align(n)); // zero padding after the data
      t.fill(out.subarray(0, n));
      size += writeAll(fd, out);
    }
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  return size;
}

/** writeSync may write less than asked; loop until the whole buffer is on disk. */
function writeAll(fd: number, buf: Buffer): number {
  let done = 0;
  while (done < buf.length) done += writeSync(fd, buf, done, buf.length - done);
  return done;
}
