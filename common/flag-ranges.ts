/**
 * Argument parsers for numeric and list flags with a stated range: a value outside it is refused before
 * anything runs (commander reports it naming the flag; exit 2). Unbounded numbers started broken runs:
 * `--runs 1e20` ran out of heap planning them, a `--point-timeout` past Node's 2^31−1 ms timer limit fired
 * every timer at once, and an empty list measured nothing and exited 0.
 */
import { InvalidArgumentError } from 'commander';

/** A whole number from `min` to `max` (the range in the message, as the help states it). */
export function wholeNumberIn(min: number, max: number, what = 'a whole number'): (value: string) => number {
  return (value) => {
    const n = Number(value.trim());
    if (!/^-?\d+$/.test(value.trim()) || n < min || n > max) throw new InvalidArgumentError(`'${value}' is not ${what} from ${min} to ${max}.`);
    return n;
  };
}

/** A comma-separated list with at least one item. */
export function nonEmptyList(value: string): string[] {
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new InvalidArgumentError(`'${value}' is an empty list: give at least one name, comma-separated.`);
  return items;
}
