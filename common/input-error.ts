/** Bad user input (an unknown name, a malformed value or file): the command lines report it with exit code 2. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/**
 * Refuses a flag that none of the run's experiments would read (it would be silently ignored):
 * `usedBy` lists, per flag, its commander key, its name and the ids of the experiments that read it.
 */
export function refuseUnusedFlags(flags: Record<string, unknown>, usedBy: readonly (readonly [key: string, flag: string, experiments: readonly number[]])[], experiments: readonly number[]): void {
  for (const [key, flag, users] of usedBy) {
    if (flags[key] !== undefined && !users.some((id) => experiments.includes(id))) {
      throw new InputError(`${flag} is used by experiment${users.length > 1 ? 's' : ''} ${users.length > 1 ? `${users.slice(0, -1).join(', ')} and ${users.at(-1)}` : users[0]}, which this run does not include (it runs: ${experiments.join(', ')})`);
    }
  }
}
