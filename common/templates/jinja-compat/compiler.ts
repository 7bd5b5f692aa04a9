/**
 * nunjucks' compiler with Jinja meaning, in a subclass used only by the compatibility layer. Everything
 * is decided at compile time; the generated code calls a few `runtime.jx*` helpers (runtime.ts):
 * - Python truthiness in `if`, `not`, `and`/`or` (which return an operand, as in Python), inline `if`;
 * - `a + b` (lists concatenate), `a ~ b`, tuples `(a, b)` as lists, slices, method calls without a
 *   bound-function allocation;
 * - `{% set %}` scoped like Jinja (a set inside a loop does not leak out of it), `{% set a, b = pair %}`
 *   unpacks, `{% set ns.attr = … %}` assigns to a namespace;
 * - `for` over lists, dict keys or a string's characters, `for x in xs if cond` (the filter runs first,
 *   so `loop.*` counts only kept items), `loop.previtem`/`loop.nextitem`, `{% break %}`/`{% continue %}`;
 * - tests with arguments;
 * - sandboxing (sandbox.ts): every name and string reaches the generated code as a JSON string literal;
 *   variables, filters and tests resolve only through the layer's own tables (runtime.jxLookup,
 *   jxFilter, jxTest: no inherited property is ever found); dict literals keep a `__proto__` key as a
 *   key; each loop iteration ticks the render clock and `*` repeats strings within the limits
 *   (render-limits.ts).
 */
import { nj, type NjFrame, type NjNode } from './internals.ts';
import { LoopControl, Slice } from './parser.ts';

const { nodes } = nj;
const CUSTOM = [Slice, LoopControl];

export class JinjaCompiler extends nj.compiler.Compiler {
  /** Temporaries for `and`/`or`; declared once at the top of the generated module. */
  private temps: string[] = [];

  override getCode(): string {
    return (this.temps.length ? `var ${this.temps.join(', ')};\n` : '') + super.getCode();
  }

  override assertType(node: NjNode, ...types: (typeof nodes.Node)[]): void {
    if (CUSTOM.some((c) => node instanceof c)) return;
    super.assertType(node, ...types);
  }

  private truthy(node: NjNode, frame: NjFrame): void {
    this._emit('runtime.jxTruthy(');
    this._compileExpression(node, frame);
    this._emit(')');
  }

  private call(helper: string, args: (NjNode | null)[], frame: NjFrame): void {
    this._emit(`runtime.${helper}(`);
    args.forEach((a, i) => {
      if (i) this._emit(', ');
      if (a) this._compileExpression(a, frame);
      else this._emit('undefined');
    });
    this._emit(')');
  }

  compileIf(node: NjNode, frame: NjFrame): void {
    this._emit('if(');
    this.truthy(node.cond, frame);
    this._emitLine(') {');
    this._withScopedSyntax(() => this.compile(node.body, frame));
    if (node.else_) {
      this._emitLine('}\nelse {');
      this._withScopedSyntax(() => this.compile(node.else_, frame));
    }
    this._emitLine('}');
  }

  compileInlineIf(node: NjNode, frame: NjFrame): void {
    this._emit('(');
    this.truthy(node.cond, frame);
    this._emit(' ? ');
    this._compileExpression(node.body, frame);
    this._emit(' : ');
    if (node.else_) this._compileExpression(node.else_, frame);
    else this._emit('undefined');
    this._emit(')');
  }

  compileNot(node: NjNode, frame: NjFrame): void {
    this._emit('!');
    this.truthy(node.target, frame);
  }

  private logical(node: NjNode, frame: NjFrame, isAnd: boolean): void {
    const t = this._tmpid();
    this.temps.push(t);
    this._emit(`(runtime.jxTruthy(${t} = `);
    this._compileExpression(node.left, frame);
    this._emit(isAnd ? ') ? ' : `) ? ${t} : `);
    this._compileExpression(node.right, frame);
    if (isAnd) this._emit(` : ${t}`);
    this._emit(')');
  }

  compileAnd(node: NjNode, frame: NjFrame): void {
    this.logical(node, frame, true);
  }

  compileOr(node: NjNode, frame: NjFrame): void {
    this.logical(node, frame, false);
  }

  compileAdd(node: NjNode, frame: NjFrame): void {
    this.call('jxAdd', [node.left, node.right], frame);
  }

  compileConcat(node: NjNode, frame: NjFrame): void {
    this.call('jxConcat', [node.left, node.right], frame);
  }

  /** `(a, b)` is a tuple (a list here), not JavaScript's comma operator. */
  override compileGroup(node: NjNode, frame: NjFrame): void {
    if (node.children.length > 1 || node.isTuple) this._compileAggregate(node, frame, '[', ']');
    else super.compileGroup(node, frame);
  }

  compileLiteral(node: NjNode): void {
    const v = node.value;
    if (typeof v === 'string') this._emit(JSON.stringify(v));
    else if (typeof v === 'number' || typeof v === 'boolean' || v === null) this._emit(String(v));
    else this.fail('invalid literal', node.lineno, node.colno);
  }

  compileSymbol(node: NjNode, frame: NjFrame): void {
    // A name the template bound itself is a JS variable (frames map names to generated identifiers).
    const id = frame.lookup(node.value) as string | undefined;
    this._emit(id ?? `runtime.jxLookup(context, frame, ${JSON.stringify(node.value)})`);
  }

  compileFilter(node: NjNode, frame: NjFrame): void {
    this._emit(`runtime.jxFilter(${JSON.stringify(node.name.value)})(`);
    this._compileAggregate(node.args, frame);
    this._emit(')');
  }

  /** As a list of [key, value] pairs: an object literal would turn a `__proto__` key into a prototype. */
  compileDict(node: NjNode, frame: NjFrame): void {
    this._emit('runtime.jxDict([');
    node.children.forEach((pair: NjNode, i: number) => {
      if (i) this._emit(', ');
      this._emit('[');
      if (pair.key.typename === 'Symbol') this._emit(JSON.stringify(pair.key.value));
      else this._compileExpression(pair.key, frame);
      this._emit(', ');
      this._compileExpression(pair.value, frame);
      this._emit(']');
    });
    this._emit('])');
  }

  compileMul(node: NjNode, frame: NjFrame): void {
    this.call('jxMul', [node.left, node.right], frame);
  }

  /** Parenthesised, so `- -1` is `-(-(1))`, not JavaScript's `--1`. */
  compileNeg(node: NjNode, frame: NjFrame): void {
    this._emit('-(');
    this._compileExpression(node.target, frame);
    this._emit(')');
  }

  compilePos(node: NjNode, frame: NjFrame): void {
    this._emit('+(');
    this._compileExpression(node.target, frame);
    this._emit(')');
  }

  compileJxSlice(node: NjNode, frame: NjFrame): void {
    this.call('jxSlice', [node.target, node.start, node.stop, node.step], frame);
  }

  compileJxLoopControl(node: NjNode): void {
    this._emitLine(`${node.kind};`);
  }

  compileIs(node: NjNode, frame: NjFrame): void {
    const test = node.right;
    const isCall = test.typename === 'FunCall';
    const name = String(isCall ? test.name.value : test.value);
    this._emit(`(runtime.jxTest(${JSON.stringify(name)})(`);
    this._compileExpression(node.left, frame);
    if (isCall) for (const arg of test.args.children) {
      this._emit(', ');
      this._compileExpression(arg, frame);
    }
    this._emit(') === true)');
  }

  /** `obj.method(args)` goes through runtime.jxCallMember (no bound function per call). */
  override compileFunCall(node: NjNode, frame: NjFrame): void {
    if (node.name.typename !== 'LookupVal') {
      this._emit(`(lineno = ${node.lineno}, colno = ${node.colno}, runtime.callWrap(`);
      this._compileExpression(node.name, frame);
      this._emit(`, ${JSON.stringify(this._getNodeName(node.name))}, context, `);
      this._compileAggregate(node.args, frame, '[', ']');
      this._emit('))');
      return;
    }
    this._emit(`(lineno = ${node.lineno}, colno = ${node.colno}, runtime.jxCallMember(`);
    this._compileExpression(node.name.target, frame);
    this._emit(', ');
    this._compileExpression(node.name.val, frame);
    this._emit(`, ${JSON.stringify(this._getNodeName(node.name))}, context, `);
    this._compileAggregate(node.args, frame, '[', ']');
    this._emit('))');
  }

  compileSet(node: NjNode, frame: NjFrame): void {
    const targets: NjNode[] = node.targets;
    const value = () => (node.value ? this._compileExpression(node.value, frame) : this.compile(node.body, frame));
    if (targets.length === 1 && targets[0].typename === 'LookupVal') {
      const t = targets[0];
      this._emit('runtime.jxSetAttr(');
      this._compileExpression(t.target, frame);
      this._emit(', ');
      this._compileExpression(t.val, frame);
      this._emit(', ');
      value();
      this._emitLine(');');
      return;
    }
    for (const t of targets) if (t.typename !== 'Symbol') this.fail(`cannot assign to ${t.typename}`, t.lineno, t.colno);
    // A name bound by this very scope (a loop variable) keeps its JS variable; anything else is a new
    // binding in the current frame only — Jinja's scoping (nunjucks would write to an outer frame).
    const ids = targets.map((t) => (Object.hasOwn(frame.variables, t.value) ? (frame.variables[t.value] as string) : this._tmpid()));
    ids.forEach((id) => this._emitLine(`var ${id};`));
    if (targets.length === 1) {
      this._emit(`${ids[0]} = `);
      value();
      this._emitLine(';');
    } else {
      const tuple = this._tmpid();
      this._emit(`var ${tuple} = runtime.jxUnpack(`);
      value();
      this._emitLine(`, ${targets.length});`);
      ids.forEach((id, i) => this._emitLine(`${id} = ${tuple}[${i}];`));
    }
    targets.forEach((t, i) => {
      this._emitLine(`frame.set(${JSON.stringify(t.value)}, ${ids[i]});`);
      this._emitLine(`if(frame.topLevel) { context.setVariable(${JSON.stringify(t.value)}, ${ids[i]}); }`);
    });
  }

  compileFor(node: NjNode, frame: NjFrame): void {
    const [i, len, arr] = [this._tmpid(), this._tmpid(), this._tmpid()];
    const names: string[] = node.name instanceof nodes.Array ? node.name.children.map((c: NjNode) => c.value) : [node.name.value];
    // `for x in xs if cond` parses as an inline if without else.
    const filtered = node.arr.typename === 'InlineIf' && !node.arr.else_;
    frame = frame.push();
    this._emitLine('frame = frame.push();');
    this._emit(`var ${arr} = runtime.jxIterable(`);
    this._compileExpression(filtered ? node.arr.body : node.arr, frame);
    this._emitLine(');');
    const bind = (item: string) => {
      if (names.length === 1) {
        const v = this._tmpid();
        this._emitLine(`var ${v} = ${item};`);
        this._emitLine(`frame.set(${JSON.stringify(names[0])}, ${v});`);
        frame.set(names[0], v);
        return;
      }
      const tuple = this._tmpid();
      this._emitLine(`var ${tuple} = runtime.jxUnpack(${item}, ${names.length});`);
      names.forEach((name, u) => {
        const v = this._tmpid();
        this._emitLine(`var ${v} = ${tuple}[${u}];`);
        this._emitLine(`frame.set(${JSON.stringify(name)}, ${v});`);
        frame.set(name, v);
      });
    };
    if (filtered) {
      const [kept, k] = [this._tmpid(), this._tmpid()];
      this._emitLine(`var ${kept} = [];`);
      this._emitLine(`for (var ${k} = 0; ${k} < ${arr}.length; ${k}++) {`);
      this._emitLine(`runtime.jxTick(${this.buffer}.length);`);
      bind(`${arr}[${k}]`);
      this._emit('if (');
      this.truthy(node.arr.cond, frame);
      this._emitLine(`) ${kept}.push(${arr}[${k}]);`);
      this._emitLine('}');
      this._emitLine(`${arr} = ${kept};`);
    }
    this._emitLine(`var ${len} = ${arr}.length;`);
    this._emitLine(`for (var ${i} = 0; ${i} < ${len}; ${i}++) {`);
    this._emitLine(`runtime.jxTick(${this.buffer}.length);`);
    bind(`${arr}[${i}]`);
    // One object per iteration instead of nunjucks' seven dotted frame.set calls.
    this._emitLine(
      `frame.set("loop", {index: ${i} + 1, index0: ${i}, revindex: ${len} - ${i}, revindex0: ${len} - ${i} - 1, first: ${i} === 0, last: ${i} === ${len} - 1, length: ${len}, ` +
        `previtem: ${i} > 0 ? ${arr}[${i} - 1] : undefined, nextitem: ${i} < ${len} - 1 ? ${arr}[${i} + 1] : undefined});`,
    );
    this._withScopedSyntax(() => this.compile(node.body, frame));
    this._emitLine('}');
    if (node.else_) {
      this._emitLine(`if (!${len}) {`);
      this.compile(node.else_, frame);
      this._emitLine('}');
    }
    this._emitLine('frame = frame.pop();');
  }
}
