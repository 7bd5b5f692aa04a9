/**
 * @huggingface/jinja (the reference engine) rendering within render-limits.ts' bounds. Its interpreter
 * has no cap on `range` (`range(10**9)` ends Node with a fatal "invalid size error" no try/catch stops)
 * and no clock, so a render here runs on a subclass of its Interpreter that ticks the render clock once
 * per block evaluated (every loop iteration, branch and macro call), and checks the length of every
 * string a block, an operator or a filter produces. The globals are the ones @huggingface/jinja's
 * `Template.render` installs, with `range` bounded; the parsed template is the library's own.
 */
import { Environment, Interpreter, Template } from '@huggingface/jinja';
import { strftime } from './jinja-compat/builtins.ts';
import { boundedRange, checkLength, type RenderLimits, tick, withinLimits } from './render-limits.ts';

/** Runtime values as the interpreter returns them: strings carry their text in `value`. */
interface RuntimeValue {
  type: string;
  value: unknown;
}

/** The interpreter methods overridden here (declared private in the package's types). */
interface InterpreterHooks {
  run(program: unknown): RuntimeValue;
  evaluateBlock(statements: unknown[], environment: Environment): RuntimeValue;
  evaluateBinaryExpression(node: unknown, environment: Environment): RuntimeValue;
  evaluateFilterExpression(node: unknown, environment: Environment): RuntimeValue;
}

function bounded(value: RuntimeValue, what: string): RuntimeValue {
  if (value.type === 'StringValue' || value.type === 'ArrayValue') checkLength((value.value as string | unknown[]).length, what);
  return value;
}

const HookedInterpreter = Interpreter as unknown as new (env: Environment) => InterpreterHooks;

class BoundedInterpreter extends HookedInterpreter {
  override evaluateBlock(statements: unknown[], environment: Environment): RuntimeValue {
    tick();
    return bounded(super.evaluateBlock(statements, environment), 'the rendered output');
  }

  override evaluateBinaryExpression(node: unknown, environment: Environment): RuntimeValue {
    return bounded(super.evaluateBinaryExpression(node, environment), 'a computed value');
  }

  override evaluateFilterExpression(node: unknown, environment: Environment): RuntimeValue {
    return bounded(super.evaluateFilterExpression(node, environment), 'a filtered value');
  }
}

/** What @huggingface/jinja's Template.render sets before the caller's variables, `range` bounded. */
const GLOBALS: [string, unknown][] = [
  ['false', false],
  ['true', true],
  ['none', null],
  [
    'raise_exception',
    (msg: unknown) => {
      throw new Error(String(msg));
    },
  ],
  ['range', boundedRange],
  ['strftime_now', (format: string) => strftime(new Date(), format)],
  ['True', true],
  ['False', false],
  ['None', null],
];

/** Parse once; each render gets a fresh environment, as Template.render does. */
export function compileBoundedJinja(source: string, limits: RenderLimits): (ctx: Record<string, unknown>) => string {
  const { parsed } = new Template(source);
  return (ctx) =>
    withinLimits(limits, () => {
      const env = new Environment();
      for (const [name, value] of GLOBALS) env.set(name, value);
      for (const [name, value] of Object.entries(ctx)) env.set(name, value);
      return new BoundedInterpreter(env).run(parsed).value as string;
    });
}
