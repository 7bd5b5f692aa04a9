/**
 * nunjucks' tokenizer, corrected where it lexes Jinja differently, in a subclass used only by the
 * compatibility layer (nunjucks' lexer is not modified):
 * - it ends a `{{ … }}` at the first `}}`, even inside a dict literal (`{% set x = {"a": {"b": 1}} %}`);
 *   Jinja counts braces, so `}` is a closing brace while a `{` is open;
 * - string escapes as the reference reads them: `\n \t \r \b \f \v \' \" \\`, `\xHH`, `\uHHHH`
 *   (nunjucks knows only the first three and drops the backslash of the others);
 * - a name must be an identifier: nunjucks reads any run of characters up to a delimiter as a name, `\`
 *   and `"` included, and those once reached the generated JavaScript (see sandbox.ts).
 */
import { nj, type NjToken } from './internals.ts';
import { IDENTIFIER, TemplateSecurityError } from './sandbox.ts';

interface TokenizerApi {
  str: string;
  index: number;
  lineno: number;
  colno: number;
  in_code: boolean;
  forward(): void;
  current(): string;
  isFinished(): boolean;
  nextToken(): NjToken | null;
}

const Tokenizer = Object.getPrototypeOf(nj.lexer.lex('', {})).constructor as new (src: string, opts: object) => TokenizerApi;
const { TOKEN_LEFT_CURLY: LEFT, TOKEN_RIGHT_CURLY: RIGHT, TOKEN_BLOCK_END: BLOCK_END, TOKEN_VARIABLE_END: VARIABLE_END, TOKEN_SYMBOL: SYMBOL } = nj.lexer as Record<
  string,
  string
>;

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', "'": "'", '"': '"', '\\': '\\' };

export class JinjaTokenizer extends Tokenizer {
  private depth = 0;

  override nextToken(): NjToken | null {
    if (this.in_code && this.depth > 0 && this.str.charAt(this.index) === '}') {
      const tok = { type: RIGHT, value: '}', lineno: this.lineno, colno: this.colno };
      this.forward();
      this.depth--;
      return tok;
    }
    const tok = super.nextToken();
    if (tok?.type === SYMBOL && !IDENTIFIER.test(tok.value)) {
      throw new TemplateSecurityError(`invalid name ${JSON.stringify(tok.value)} at line ${tok.lineno + 1}, column ${tok.colno + 1}: names are letters, digits and _`);
    }
    if (tok?.type === LEFT) this.depth++;
    else if (tok?.type === RIGHT) this.depth--;
    else if (tok?.type === BLOCK_END || tok?.type === VARIABLE_END) this.depth = 0;
    return tok;
  }

  /** Called by nunjucks' nextToken at an opening quote; returns the string's value. */
  _parseString(delimiter: string): string {
    this.forward();
    let out = '';
    while (!this.isFinished() && this.current() !== delimiter) {
      const cur = this.current();
      this.forward();
      if (cur !== '\\') {
        out += cur;
        continue;
      }
      const esc = this.current();
      this.forward();
      if (esc === 'x' || esc === 'u') {
        const hex = this.str.slice(this.index, this.index + (esc === 'x' ? 2 : 4));
        if (!/^[0-9a-f]+$/i.test(hex) || hex.length !== (esc === 'x' ? 2 : 4)) throw new Error(`Invalid hexadecimal escape sequence: \\${esc}${hex}`);
        out += String.fromCharCode(parseInt(hex, 16));
        for (let i = 0; i < hex.length; i++) this.forward();
      } else if (esc in ESCAPES) {
        out += ESCAPES[esc];
      } else {
        throw new Error(`Unexpected escaped character: ${esc}`);
      }
    }
    this.forward();
    return out;
  }
}
