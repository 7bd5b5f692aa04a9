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

/** A percentage from `min` to `max`, written "10%" or "10". */
export function percentIn(min: number, max: number): (value: string) => number {
  return (value) => {
    const m = /^(\d+(?:\.\d+)?)%?$/.exec(value.trim());
    if (!m || Number(m[1]) < min || Number(m[1]) > max) throw new InvalidArgumentError(`'${value}' is not a percentage from ${min}% to ${max}% (e.g. 10%).`);
    return Number(m[1]);
  };
}

const SECONDS_PER = { s: 1, m: 60, h: 3600, d: 86_400 } as const;

/** A duration from `min` to `max` seconds, written "300", "300s", "5m", "1.5h" or "2d"; in seconds. */
export function durationIn(min: number, max: number): (value: string) => number {
  return (value) => {
    const m = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(value.trim());
    const seconds = m ? Number(m[1]) * SECONDS_PER[(m[2] || 's') as keyof typeof SECONDS_PER] : NaN;
    if (!(seconds >= min && seconds <= max)) throw new InvalidArgumentError(`'${value}' is not a duration from ${min} s to ${max / 86_400} days (e.g. 300, 5m, 1h).`);
    return seconds;
  };
}
