/**
 * The Jinja syntax nunjucks' parser lacks, added in a subclass used only by the compatibility layer
 * (nunjucks' own Parser is not modified):
 * - `True`/`False`/`None` literals; adjacent string literals concatenate; `x.0` indexes;
 * - subscripts with Python slices `x[1:]`, `x[::-1]`, `x[:-1]` (negative indexes are handled at run time);
 * - tests bound like filters, as Jinja binds them (`a == b is none` is `a == (b is none)`), with any
 *   test name (`is none`, `is true`, …) and an optional argument;
 * - trailing commas in list, dict and tuple literals; `(a,)` is a one-element tuple;
 * - `{% break %}` / `{% continue %}` (transformers enables Jinja's loopcontrols extension).
 * `{% set ns.attr = … %}`, `for … if …` and tuples parse already; the compiler gives them Jinja meaning.
 * Tags that load other templates (include, import, extends, …) are refused here (sandbox.ts says why).
 */
import { T, nj, type NjNode, type NjToken } from './internals.ts';
import { REFUSED_TAGS, TemplateSecurityError } from './sandbox.ts';

const { nodes } = nj;

/** Subscript with a slice: `target[start:stop:step]` (missing parts are null). */
export const Slice = nodes.Node.extend('JxSlice', { fields: ['target', 'start', 'stop', 'step'] });
/** `{% break %}` or `{% continue %}`. */
export const LoopControl = nodes.Node.extend('JxLoopControl', { fields: ['kind'] });

const CONSTANTS = new Map<string, boolean | null>([
  ['True', true],
  ['False', false],
  ['None', null],
]);
/** Words that end an expression, so they cannot be the bare argument of a test (`x is sameas y`). */
const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'is', 'if', 'else']);

export class JinjaParser extends nj.parser.Parser {
  override parsePrimary(noPostfix?: boolean): NjNode {
    const tok = this.peekToken();
    if (tok && tok.type === T.SYMBOL && CONSTANTS.has(tok.value)) {
      this.nextToken();
      const node = new nodes.Literal(tok.lineno, tok.colno, CONSTANTS.get(tok.value));
      return noPostfix ? node : this.parsePostfix(node);
    }
    if (tok && tok.type === T.STRING) {
      // Adjacent string literals concatenate, as in Python: `'it''s'`, or a long string split over lines.
      this.nextToken();
      let value = String(tok.value);
      while (this.peekToken()?.type === T.STRING) value += String(this.nextToken().value);
      const node = new nodes.Literal(tok.lineno, tok.colno, value);
      return noPostfix ? node : this.parsePostfix(node);
    }
    return super.parsePrimary(noPostfix);
  }

  override parsePostfix(node: NjNode): NjNode {
    let tok = this.peekToken();
    while (tok) {
      if (tok.type === T.LEFT_PAREN) {
        node = new nodes.FunCall(tok.lineno, tok.colno, node, this.parseSignature());
      } else if (tok.type === T.LEFT_BRACKET) {
        node = this.parseSubscript(node, tok);
      } else if (tok.type === T.OPERATOR && tok.value === '.') {
        this.nextToken();
        const name = this.nextToken();
        // `x.name`, and `x.0` for an item by position, as Jinja allows.
        const key = name?.type === T.INT ? Number(name.value) : /^[A-Za-z_][A-Za-z0-9_]*$/.test(String(name?.value)) ? String(name.value) : undefined;
        if (key === undefined) this.fail(`expected name as lookup value, got ${name?.value}`, name?.lineno, name?.colno);
        node = new nodes.LookupVal(tok.lineno, tok.colno, node, new nodes.Literal(name.lineno, name.colno, key));
      } else {
        break;
      }
      tok = this.peekToken();
    }
    return node;
  }

  private parseSubscript(target: NjNode, open: NjToken): NjNode {
    this.nextToken();
    const at = (type: string) => this.peekToken()?.type === type;
    const start = at(T.COLON) ? null : this.parseExpression();
    if (!this.skip(T.COLON)) {
      this.expect(T.RIGHT_BRACKET);
      return new nodes.LookupVal(open.lineno, open.colno, target, start);
    }
    const stop = at(T.COLON) || at(T.RIGHT_BRACKET) ? null : this.parseExpression();
    const step = this.skip(T.COLON) && !at(T.RIGHT_BRACKET) ? this.parseExpression() : null;
    this.expect(T.RIGHT_BRACKET);
    return new Slice(open.lineno, open.colno, target, start, stop, step);
  }

  override parseAggregate(): NjNode | null {
    const open = this.nextToken();
    const kind = open.type === T.LEFT_PAREN ? 'Group' : open.type === T.LEFT_BRACKET ? 'Array' : open.type === T.LEFT_CURLY ? 'Dict' : null;
    if (!kind) return null;
    const node = new nodes[kind](open.lineno, open.colno);
    const closes = () => [T.RIGHT_PAREN, T.RIGHT_BRACKET, T.RIGHT_CURLY].includes(this.peekToken()?.type);
    let trailingComma = false;
    while (!closes()) {
      if (node.children.length > 0 && !this.skip(T.COMMA)) this.fail('parseAggregate: expected comma after expression', open.lineno, open.colno);
      trailingComma = true;
      if (closes()) break;
      trailingComma = false;
      if (kind === 'Dict') {
        const key = this.parsePrimary();
        if (!this.skip(T.COLON)) this.fail('parseAggregate: expected colon after dict key', open.lineno, open.colno);
        node.addChild(new nodes.Pair(key.lineno, key.colno, key, this.parseExpression()));
      } else {
        node.addChild(this.parseExpression());
      }
    }
    this.nextToken();
    if (kind === 'Group' && trailingComma) node.isTuple = true;
    return node;
  }

  /** Filters and tests share one postfix chain, as in Jinja's grammar. */
  override parseFilter(node: NjNode): NjNode {
    for (;;) {
      if (this.skip(T.PIPE)) {
        const name = this.parseFilterName();
        node = new nodes.Filter(name.lineno, name.colno, name, new nodes.NodeList(name.lineno, name.colno, [node, ...this.parseFilterArgs(name)]));
        continue;
      }
      const tok = this.peekToken();
      if (!tok || tok.type !== T.SYMBOL || tok.value !== 'is') return node;
      this.nextToken();
      const negate = this.skipSymbol('not');
      const nameTok = this.nextToken();
      if (!nameTok || ![T.SYMBOL, T.NONE, T.BOOLEAN].includes(nameTok.type)) this.fail('expected a test name after "is"', tok.lineno, tok.colno);
      const name = new nodes.Symbol(nameTok.lineno, nameTok.colno, String(nameTok.value));
      let test: NjNode = name;
      const next = this.peekToken();
      if (next?.type === T.LEFT_PAREN) {
        test = new nodes.FunCall(next.lineno, next.colno, name, this.parseSignature());
      } else if (next && ([T.STRING, T.INT, T.FLOAT, T.NONE, T.BOOLEAN].includes(next.type) || (next.type === T.SYMBOL && !KEYWORDS.has(next.value)))) {
        test = new nodes.FunCall(next.lineno, next.colno, name, new nodes.NodeList(next.lineno, next.colno, [this.parsePrimary()]));
      }
      node = new nodes.Is(tok.lineno, tok.colno, node, test);
      if (negate) node = new nodes.Not(tok.lineno, tok.colno, node);
    }
  }

  override parseStatement(): NjNode | null {
    const tok = this.peekToken();
    if (tok?.type === T.SYMBOL && REFUSED_TAGS.has(tok.value)) {
      throw new TemplateSecurityError(`{% ${tok.value} %} is not allowed in a chat template (line ${tok.lineno + 1}, column ${tok.colno + 1})`);
    }
    if (tok?.type === T.SYMBOL && (tok.value === 'break' || tok.value === 'continue') && !(this as unknown as { breakOnBlocks: string[] | null }).breakOnBlocks?.includes(tok.value)) {
      this.nextToken();
      this.advanceAfterBlockEnd(tok.value);
      return new LoopControl(tok.lineno, tok.colno, tok.value);
    }
    return super.parseStatement();
  }
}
