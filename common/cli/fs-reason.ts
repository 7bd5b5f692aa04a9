/** Plain words for the file-system error codes a user's path can run into (for exit-2 messages). */
const WORDS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'it is a directory, not a file',
  EEXIST: 'something already exists there',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'the name is too long',
};

/** The error's code (ENOENT, EACCES, …), or its message when it has none. */
export function fsCode(err: unknown): string {
  return (err as NodeJS.ErrnoException | undefined)?.code ?? (err instanceof Error ? err.message : String(err));
}

/** `(CODE): plain words`, e.g. `(EISDIR): it is a directory, not a file`. */
export function fsReason(err: unknown): string {
  const code = fsCode(err);
  return WORDS[code] ? `(${code}): ${WORDS[code]}` : `(${code})`;
}
