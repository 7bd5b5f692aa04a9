/**
 * The folder a run writes into (`bench --out`), checked before any work: it must be, or become, a
 * writable directory. Only synchronous calls, none of which can block: a bad path fails at once.
 *
 * Why not just `mkdirSync(path, { recursive: true })`: on /proc, mkdir answers ENOENT although the parent
 * exists, and Node's recursive mkdir then retries the parent and the child forever (`--out /proc/nope`
 * hung). So the missing folders are created one at a time without `recursive`, and a path whose nearest
 * existing folder lies on a kernel's virtual file system (proc, sysfs, cgroup, …: found with statfs) is
 * refused with that reason before anything is tried there.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, statfsSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fsCode, fsReason } from '../cli/fs-reason.ts';

export class OutputDirError extends Error {}

/** statfs f_type magic numbers (linux/magic.h) of file systems that hold no user files. */
const VIRTUAL_FS: Record<number, string> = {
  0x9fa0: 'proc',
  0x62656572: 'sysfs',
  0x27e0eb: 'cgroup',
  0x63677270: 'cgroup2',
  0x1cd1: 'devpts',
  0x64626720: 'debugfs',
  0x74726163: 'tracefs',
  0x73636673: 'securityfs',
  0xcafe4a11: 'bpf',
  0x62656570: 'configfs',
  0x6165676c: 'pstore',
  0xde5e81e4: 'efivarfs',
};

/** The path itself or its nearest ancestor that exists (the root always does). */
function nearestExisting(path: string): { existing: string; isDirectory: boolean } {
  for (let p = path; ; p = dirname(p)) {
    try {
      return { existing: p, isDirectory: statSync(p).isDirectory() };
    } catch (err) {
      const code = fsCode(err);
      // ENOTDIR: a file further up is in the way; keep walking up to it.
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || dirname(p) === p) throw new OutputDirError(`${path}: cannot access ${p} ${fsReason(err)}`);
    }
  }
}

/**
 * Makes sure `path` is a directory this process can create folders and files in, creating it (and its
 * missing parents) if needed. Throws OutputDirError naming the path and the reason otherwise.
 */
export function ensureWritableDir(path: string): void {
  // resolve('') is the working folder, yet mkdir('') fails with a bare ENOENT: an empty path is refused.
  if (path.trim() === '') throw new OutputDirError(`'${path}' is an empty path: give a folder, e.g. results`);
  const target = resolve(path);
  const shown = path === target ? path : `${path} (${target})`;
  const { existing, isDirectory } = nearestExisting(target);
  if (!isDirectory) {
    throw new OutputDirError(existing === target ? `${shown}: is a file, not a directory` : `${shown}: ${existing} is a file, not a directory`);
  }
  let fsType: string | undefined;
  try {
    fsType = VIRTUAL_FS[Number(statfsSync(existing).type)];
  } catch {
    // statfs unsupported here: the mkdir and probe below still fail fast.
  }
  if (fsType) throw new OutputDirError(`${shown}: ${existing} is on the kernel's virtual ${fsType} file system, which holds no user files`);

  const missing: string[] = [];
  for (let p = target; p !== existing; p = dirname(p)) missing.unshift(p);
  for (const dir of missing) {
    try {
      mkdirSync(dir);
    } catch (err) {
      if (fsCode(err) === 'EEXIST' && statSync(dir, { throwIfNoEntry: false })?.isDirectory()) continue; // made meanwhile
      throw new OutputDirError(`${shown}: cannot create ${dir} ${fsReason(err)}`);
    }
  }
  // Permission bits do not tell the whole story (read-only mounts, ACLs, root): try what a run does.
  let probe: string | undefined;
  try {
    probe = mkdtempSync(join(target, '.prepbench-write-test-'));
    writeFileSync(join(probe, 'probe'), '');
  } catch (err) {
    throw new OutputDirError(`${shown}: cannot write in this directory ${fsReason(err)}`);
  } finally {
    if (probe) rmSync(probe, { recursive: true, force: true });
  }
}
