/**
 * Credentials written into a URL (`http://user:pass@host/…`) never reach an output: wherever such a URL
 * may be shown or stored, its userinfo is replaced by `***` (http://u:p@h/v1 → http://***@h/v1).
 */

/** The authority of a URL up to its last `@` (userinfo may itself hold `@`; `/ ? # \` or a space end it). */
const USERINFO = /([a-z][a-z0-9+.-]*:\/\/)[^/?#\\\s]*@/gi;

/** `text` with the userinfo of every URL in it replaced by `***`. */
export function redactUrlCredentials(text: string): string {
  return text.replace(USERINFO, '$1***@');
}

/** Whether `text` holds a URL whose userinfo redactUrlCredentials replaced: its credentials are gone. */
export function hasRedactedCredentials(text: string): boolean {
  return /[a-z][a-z0-9+.-]*:\/\/\*\*\*@/i.test(text);
}

/** A copy of plain data (strings, arrays, plain objects) with every string redacted; other values as they are. */
export function redactCredentialsDeep<T>(value: T): T {
  if (typeof value === 'string') return redactUrlCredentials(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactCredentialsDeep(v)) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactCredentialsDeep(v)])) as T;
  }
  return value;
}
