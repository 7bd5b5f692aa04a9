/**
 * A user's input file read whole — only a regular file within a size limit. Reading anything else can
 * stall or end the process: a FIFO without a writer blocks forever, /dev/zero never ends (bad_alloc),
 * and a file as large as memory runs out of heap.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync, type Stats } from 'node:fs';
import { fsReason } from './fs-reason.ts';
import { InputError } from './input-error.ts';

export interface FileLimit {
  mb: number;
  /** What the file is, for the message: "a messages file". */
  what: string;
  /** The flag that raises the limit, if one does. */
  flag?: string;
}

/** The file's text as UTF-8, or an InputError naming the path and what is wrong with it. */
export function readRegularFile(path: string, limit: FileLimit): string {
  let fd: number;
  try {
    // Non-blocking: opening a FIFO for reading otherwise waits for a writer.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw new InputError(`${path}: cannot read file ${fsReason(err)}`);
  }
  try {
    const stats = fstatSync(fd);
    if (stats.isDirectory()) throw new InputError(`${path}: cannot read file ${fsReason({ code: 'EISDIR' })}`);
    if (!stats.isFile()) throw new InputError(`${path}: cannot read file: it is ${kindOf(stats)}, not a regular file`);
    if (stats.size > limit.mb * 2 ** 20) {
      throw new InputError(`${path}: the file is ${(stats.size / 2 ** 20).toFixed(1)} MB, over the limit of ${limit.mb} MB for ${limit.what}${limit.flag ? ` (${limit.flag} raises it)` : ''}`);
    }
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

function kindOf(stats: Stats): string {
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice()) return 'a character device';
  return stats.isBlockDevice() ? 'a block device' : 'a socket';
}
