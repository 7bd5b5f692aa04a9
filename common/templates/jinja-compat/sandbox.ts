/**
 * What the compatibility layer lets a template be, checked on the parsed tree before any JavaScript is
 * generated from it. nunjucks compiles a template to JavaScript source and pastes names into that source;
 * a name holding `\` or `"` once broke out of its string literal and ran code at compile time. So, by
 * construction: every name is an identifier (the lexer refuses anything else, with its position, and this
 * check refuses any node whose name is not one), only the node types a chat template needs may reach the
 * compiler, and the compiler emits every name as a JSON string literal (compiler.ts). Tags that load other
 * templates — include, import, from, extends, block — are refused: Hugging Face templates never use them,
 * and what they load would run outside this layer.
 */
import { nj, type NjNode } from './internals.ts';

export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Tags nunjucks knows that a chat template may not use. */
export const REFUSED_TAGS = new Set(['include', 'import', 'from', 'extends', 'block', 'super', 'ifAsync', 'asyncEach', 'asyncAll', 'switch']);

const ALLOWED_NODES = new Set([
  'Root', 'NodeList', 'Output', 'TemplateData', 'Literal', 'Symbol', 'Group', 'Array', 'Dict', 'Pair', 'KeywordArgs',
  'LookupVal', 'FunCall', 'Filter', 'Is', 'If', 'InlineIf', 'For', 'Set', 'Capture', 'Macro', 'Caller',
  'In', 'Or', 'And', 'Not', 'Add', 'Concat', 'Sub', 'Mul', 'Div', 'FloorDiv', 'Mod', 'Pow', 'Neg', 'Pos',
  'Compare', 'CompareOperand', 'JxSlice', 'JxLoopControl',
]);

export class TemplateSecurityError extends Error {
  override name = 'TemplateSecurityError';
}

/** Names may not be dunders (`__proto__` would reach an object's prototype through a frame or context). */
function isSafeName(name: unknown): boolean {
  return typeof name === 'string' && IDENTIFIER.test(name) && !name.startsWith('__');
}

const at = (node: NjNode) => `line ${node.lineno + 1}, column ${node.colno + 1}`;

/** Throws unless every node of the tree is an allowed type and every name in it is a safe identifier. */
export function assertSandboxed(node: NjNode): void {
  if (!ALLOWED_NODES.has(node.typename)) throw new TemplateSecurityError(`${node.typename} is not allowed in a chat template (${at(node)})`);
  if (node.typename === 'Symbol' && !isSafeName(node.value)) throw new TemplateSecurityError(`invalid name ${JSON.stringify(node.value)} at ${at(node)}: names are letters, digits and _, not starting with __`);
  if (node.typename === 'Literal' && !['string', 'number', 'boolean'].includes(typeof node.value) && node.value !== null) {
    throw new TemplateSecurityError(`invalid literal at ${at(node)}`);
  }
  for (const field of node.fields as string[]) {
    const value = node[field];
    if (value instanceof nj.nodes.Node) assertSandboxed(value as NjNode);
    else if (Array.isArray(value)) for (const child of value) if (child instanceof nj.nodes.Node) assertSandboxed(child as NjNode);
  }
}
