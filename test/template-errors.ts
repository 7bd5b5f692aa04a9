/**
 * Why a chat template failed to render, in words both engines share — so a test can tell "both engines
 * refused for the same reason" from "both threw". Nunjucks' location wrapper ("(unknown path) [Line l,
 * Column c]\n  Error: …") is removed, and the two wordings of the same runtime error are written one way:
 * @huggingface/jinja names runtime types (NullValue, StringValue, ArrayValue…) where the compatibility
 * layer says none, string, object; and calling an undefined method is "Cannot call something that is not
 * a function" in one, "Unable to call `x`, which is undefined" in the other. Messages a template raises
 * itself (raise_exception) pass through unchanged.
 */
const TYPE_WORDS: Record<string, string> = {
  NullValue: 'none',
  none: 'none',
  UndefinedValue: 'undefined',
  'an undefined value': 'undefined',
  StringValue: 'string',
  string: 'string',
  ArrayValue: 'list or dict',
  ObjectValue: 'list or dict',
  object: 'list or dict',
};
const typeWord = (t: string) => TYPE_WORDS[t] ?? t;

export function failureReason(message: string): string {
  return message
    .replace(/^\(unknown path\)(?: \[Line \d+, Column \d+\])?\s+Error: /, '')
    .replace(/^Unknown (\w+Value) filter: (\w+)$/, 'Cannot apply filter "$2" to type: $1')
    .replace(/^(Cannot apply filter "\w+" to )(?:type: )?(.+)$/, (_, head: string, t: string) => head + typeWord(t))
    .replace(/^(Expected iterable or object type in for loop: got )(.+)$/, (_, head: string, t: string) => head + typeWord(t))
    .replace(/^(?:Cannot call something that is not a function: got UndefinedValue|Unable to call `.*`, which is undefined)$/, 'Cannot call an undefined value');
}

/** A render's outcome: the output, or the failure reason (see failureReason). */
export function outcome(render: () => string): { ok: string } | { error: string } {
  try {
    return { ok: render() };
  } catch (err) {
    return { error: failureReason((err as Error).message) };
  }
}
