/**
 * nunjucks' tokenizer ends a `{{ … }}` at the first `}}`, even inside a dict literal
 * (`{% set x = {"a": {"b": 1}} %}`); Jinja counts braces. This subclass (used only by the compatibility
 * layer; nunjucks' lexer is not modified) emits `}` as a closing brace while a `{` is open.
 */
import { nj, type NjToken } from './internals.ts';

interface TokenizerApi {
  str: string;
  index: number;
  lineno: number;
  colno: number;
  in_code: boolean;
  forward(): void;
  nextToken(): NjToken | null;
}

const Tokenizer = Object.getPrototypeOf(nj.lexer.lex('', {})).constructor as new (src: string, opts: object) => TokenizerApi;
const { TOKEN_LEFT_CURLY: LEFT, TOKEN_RIGHT_CURLY: RIGHT, TOKEN_BLOCK_END: BLOCK_END, TOKEN_VARIABLE_END: VARIABLE_END } = nj.lexer as Record<string, string>;

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
    if (tok?.type === LEFT) this.depth++;
    else if (tok?.type === RIGHT) this.depth--;
    else if (tok?.type === BLOCK_END || tok?.type === VARIABLE_END) this.depth = 0;
    return tok;
  }
}
