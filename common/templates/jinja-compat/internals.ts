/**
 * Typed access to the nunjucks internals the Jinja-compatibility layer builds on (lexer, parser, compiler,
 * AST nodes, runtime). @types/nunjucks only describes the public API; these are the objects nunjucks
 * itself exports on its module (`nunjucks.parser`, `nunjucks.compiler`, …). The layer only *subclasses*
 * or *copies* them — nothing here is mutated, so other nunjucks environments in the process are unaffected.
 */
import nunjucks from 'nunjucks';

/* eslint-disable @typescript-eslint/no-explicit-any -- nunjucks' AST nodes are untyped bags of fields */
export type NjNode = { typename: string; lineno: number; colno: number; [field: string]: any };
export interface NjToken {
  type: string;
  value: any;
  lineno: number;
  colno: number;
}
/** nunjucks' Frame: used at compile time (names → JS variables) and at run time (template variables). */
export interface NjFrame {
  variables: Record<string, any>;
  parent: NjFrame | undefined;
  topLevel: boolean;
  push(isolateWrites?: boolean): NjFrame;
  set(name: string, value: unknown, resolveUp?: boolean): void;
  lookup(name: string): any;
}
export type NodeClass = new (lineno: number, colno: number, ...fields: unknown[]) => NjNode;

/** The parser methods the layer calls or overrides. */
export interface ParserApi {
  tokens: unknown;
  peekToken(): NjToken;
  nextToken(withWhitespace?: boolean): NjToken;
  pushToken(tok: NjToken): void;
  skip(type: string): boolean;
  skipSymbol(value: string): boolean;
  skipValue(type: string, value: string): boolean;
  expect(type: string): NjToken;
  fail(msg: string, lineno?: number, colno?: number): never;
  advanceAfterBlockEnd(name?: string): NjToken;
  parseExpression(): NjNode;
  parsePrimary(noPostfix?: boolean): NjNode;
  parsePostfix(node: NjNode): NjNode;
  parseSignature(tolerant?: boolean, noParens?: boolean): NjNode;
  parseFilterName(): NjNode;
  parseFilterArgs(node: NjNode): NjNode[];
  parseFilter(node: NjNode): NjNode;
  parseStatement(): NjNode | null;
  parseAggregate(): NjNode | null;
  parseAsRoot(): NjNode;
}

/** The compiler methods the layer calls or overrides. */
export interface CompilerApi {
  buffer: string;
  _emit(code: string): void;
  _emitLine(code: string): void;
  _tmpid(): string;
  _withScopedSyntax(fn: () => void): void;
  _compileExpression(node: NjNode, frame: NjFrame): void;
  _compileAggregate(node: NjNode, frame: NjFrame, start?: string, end?: string): void;
  _getNodeName(node: NjNode): string;
  assertType(node: NjNode, ...types: NodeClass[]): void;
  fail(msg: string, lineno?: number, colno?: number): never;
  compile(node: NjNode, frame?: NjFrame): void;
  getCode(): string;
  compileFunCall(node: NjNode, frame: NjFrame): void;
  compileGroup(node: NjNode, frame: NjFrame): void;
}

interface Internals {
  lexer: { lex(src: string, opts?: object): unknown } & Record<string, any>;
  parser: { Parser: new (tokens: unknown) => ParserApi };
  compiler: { Compiler: new (name: string | undefined, throwOnUndefined: boolean) => CompilerApi };
  nodes: Record<string, NodeClass> & { Node: NodeClass & { extend(name: string, props: object): NodeClass } };
  runtime: Record<string, any> & { SafeString: new (s: string) => { val: string }; Frame: new () => NjFrame };
}

export const nj = nunjucks as unknown as Internals;
export const T = {
  STRING: nj.lexer.TOKEN_STRING as string,
  INT: nj.lexer.TOKEN_INT as string,
  FLOAT: nj.lexer.TOKEN_FLOAT as string,
  BOOLEAN: nj.lexer.TOKEN_BOOLEAN as string,
  NONE: nj.lexer.TOKEN_NONE as string,
  SYMBOL: nj.lexer.TOKEN_SYMBOL as string,
  OPERATOR: nj.lexer.TOKEN_OPERATOR as string,
  COLON: nj.lexer.TOKEN_COLON as string,
  PIPE: nj.lexer.TOKEN_PIPE as string,
  LEFT_PAREN: nj.lexer.TOKEN_LEFT_PAREN as string,
  LEFT_BRACKET: nj.lexer.TOKEN_LEFT_BRACKET as string,
  RIGHT_BRACKET: nj.lexer.TOKEN_RIGHT_BRACKET as string,
  LEFT_CURLY: nj.lexer.TOKEN_LEFT_CURLY as string,
  RIGHT_CURLY: nj.lexer.TOKEN_RIGHT_CURLY as string,
  RIGHT_PAREN: nj.lexer.TOKEN_RIGHT_PAREN as string,
  COMMA: nj.lexer.TOKEN_COMMA as string,
} as const;
