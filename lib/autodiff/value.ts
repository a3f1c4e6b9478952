/**
 * A scalar with reverse-mode automatic differentiation, in the style of micrograd.
 *
 * Every operation returns a new node that remembers its inputs (`children`) and, written right beside
 * its forward formula, a `backwardFn` closure that adds "local derivative x upstream gradient" to each
 * input's `grad`. `backward()` runs those closures once each, in reverse topological order.
 *
 * Gradient accumulation:
 * - Within one `backward()`, a node used several times (a*a, a+a, or a shared subexpression) receives
 *   the sum of the contributions of all its uses.
 * - `backward()` sets its own node's grad to 1 and restarts every intermediate (non-leaf) node from 0,
 *   but leaves (inputs and parameters) keep what they had: calling `backward()` twice without
 *   `zeroGrad()` adds the same gradient to every leaf again (leaf grads double). Call `zeroGrad()` (or
 *   set `p.grad = 0` on the parameters) between training steps.
 *
 * Every `data` is a finite number: NaN or infinite inputs and results throw an Error naming the
 * operation and its operands, so a bad value is caught where it appears rather than steps later.
 */

/** Anything an operation accepts as an operand: plain numbers become constant leaves. */
export type Scalar = Value | number;

export class Value {
  data: number;
  grad = 0;
  readonly op: string;
  readonly children: readonly Value[];
  label?: string;
  // Leaves (inputs, parameters, constants) have nothing to propagate to.
  private backwardFn: () => void = noop;

  /** `children` and `op` are filled in by the operations; user code creates leaves with `new Value(x)`. */
  constructor(data: number, children: readonly Value[] = [], op = "", label?: string) {
    if (!Number.isFinite(data)) {
      const what = op === "" ? `new Value(${data})` : `${op}(${children.map((c) => c.data).join(", ")}) = ${data}`;
      throw new Error(`Value: ${what}: data must be a finite number`);
    }
    this.data = data;
    this.children = children;
    this.op = op;
    if (label !== undefined) this.label = label;
  }

  /** A Value as is, a number as a new constant leaf. */
  static from(x: Scalar): Value {
    return x instanceof Value ? x : new Value(x);
  }

  /** Sum of many values as one n-ary node (a chain of adds would make the graph as deep as the list). */
  static sum(values: readonly Scalar[]): Value {
    const terms = values.map((v) => operand("sum", v));
    let total = 0;
    for (const t of terms) total += t.data;
    const out = result(
      "sum",
      total,
      terms,
      terms.map((t) => t.data),
    );
    out.backwardFn = () => {
      // d(sum)/d(term) = 1; a term listed twice is a child twice and so gets both contributions.
      for (const t of terms) t.grad += out.grad;
    };
    return out;
  }

  add(other: Scalar): Value {
    const o = operand("add", other);
    const out = result("+", this.data + o.data, [this, o]);
    out.backwardFn = () => {
      this.grad += out.grad;
      o.grad += out.grad;
    };
    return out;
  }

  sub(other: Scalar): Value {
    const o = operand("sub", other);
    const out = result("-", this.data - o.data, [this, o]);
    out.backwardFn = () => {
      this.grad += out.grad;
      o.grad -= out.grad;
    };
    return out;
  }

  mul(other: Scalar): Value {
    const o = operand("mul", other);
    const out = result("*", this.data * o.data, [this, o]);
    out.backwardFn = () => {
      // BEGIN SOLUTION Value.mul backward (the local derivative times out.grad)
      this.grad += o.data * out.grad;
      o.grad += this.data * out.grad;
      // END SOLUTION
    };
    return out;
  }

  /** a / b; b = 0 throws (0/0 is NaN, a/0 is infinite). */
  div(other: Scalar): Value {
    const o = operand("div", other);
    const out = result("/", this.data / o.data, [this, o]);
    out.backwardFn = () => {
      // BEGIN SOLUTION Value.div backward (the local derivative times out.grad)
      // d(a/b)/da = 1/b, d(a/b)/db = -a/b^2 = -(a/b)/b.
      this.grad += out.grad / o.data;
      o.grad -= (out.data / o.data) * out.grad;
      // END SOLUTION
    };
    return out;
  }

  /**
   * this^p. For a constant p the base may be any number for which the power is real (a negative base
   * needs an integer p). For a Value exponent b, d/db a^b = a^b ln a exists only for a > 0, so any
   * other base throws.
   */
  pow(exponent: Scalar): Value {
    if (typeof exponent === "number") {
      const p = exponent;
      if (!Number.isFinite(p)) throw new Error(`Value.pow: exponent ${p} is not a finite number`);
      const out = result(`^${p}`, Math.pow(this.data, p), [this], [this.data, p]);
      out.backwardFn = () => {
        // BEGIN SOLUTION Value.pow backward (the local derivative times out.grad)
        // p = 0 is a constant 1 with derivative 0 (and 0 * 0^-1 would be NaN at a = 0).
        if (p !== 0) this.grad += p * Math.pow(this.data, p - 1) * out.grad;
        // END SOLUTION
      };
      return out;
    }
    const b = exponent;
    if (!(this.data > 0)) {
      throw new Error(
        `Value.pow: a Value exponent needs a positive base (d/db a^b = a^b ln a), got base ${this.data} with exponent ${b.data}`,
      );
    }
    const out = result("^", Math.pow(this.data, b.data), [this, b]);
    out.backwardFn = () => {
      this.grad += b.data * Math.pow(this.data, b.data - 1) * out.grad;
      b.grad += out.data * Math.log(this.data) * out.grad;
    };
    return out;
  }

  neg(): Value {
    const out = result("neg", -this.data, [this]);
    out.backwardFn = () => {
      this.grad -= out.grad;
    };
    return out;
  }

  exp(): Value {
    const out = result("exp", Math.exp(this.data), [this]);
    out.backwardFn = () => {
      // BEGIN SOLUTION Value.exp backward (the local derivative times out.grad)
      this.grad += out.data * out.grad;
      // END SOLUTION
    };
    return out;
  }

  /** Natural logarithm; throws for input <= 0 rather than returning NaN or -Infinity. */
  log(): Value {
    if (!(this.data > 0)) throw new Error(`Value.log: input must be positive, got ${this.data}`);
    const out = result("log", Math.log(this.data), [this]);
    out.backwardFn = () => {
      // BEGIN SOLUTION Value.log backward (the local derivative times out.grad)
      this.grad += out.grad / this.data;
      // END SOLUTION
    };
    return out;
  }

  sin(): Value {
    const out = result("sin", Math.sin(this.data), [this]);
    out.backwardFn = () => {
      // BEGIN SOLUTION Value.sin backward (the local derivative times out.grad)
      this.grad += Math.cos(this.data) * out.grad;
      // END SOLUTION
    };
    return out;
  }

  cos(): Value {
    const out = result("cos", Math.cos(this.data), [this]);
    out.backwardFn = () => {
      this.grad -= Math.sin(this.data) * out.grad;
    };
    return out;
  }

  tanh(): Value {
    const out = result("tanh", Math.tanh(this.data), [this]);
    out.backwardFn = () => {
      // BEGIN SOLUTION Value.tanh backward (the local derivative times out.grad)
      this.grad += (1 - out.data * out.data) * out.grad;
      // END SOLUTION
    };
    return out;
  }

  /** Logistic function 1 / (1 + e^-x), without overflow for large |x|. */
  sigmoid(): Value {
    // e = e^-|x| lies in (0, 1], so nothing overflows; both forms below equal 1 / (1 + e^-x).
    const e = Math.exp(-Math.abs(this.data));
    const s = this.data >= 0 ? 1 / (1 + e) : e / (1 + e);
    // s (1 - s) = e / (1 + e)^2 for either sign; this form keeps full relative precision where
    // computing 1 - s would cancel (s close to 1).
    const slope = e / ((1 + e) * (1 + e));
    const out = result("sigmoid", s, [this]);
    out.backwardFn = () => {
      this.grad += slope * out.grad;
    };
    return out;
  }

  /** max(0, x), with derivative 0 at x = 0 (the usual subgradient choice). */
  relu(): Value {
    const out = result("relu", this.data > 0 ? this.data : 0, [this]);
    out.backwardFn = () => {
      if (this.data > 0) this.grad += out.grad;
    };
    return out;
  }

  /**
   * Square root, d sqrt(x)/dx = 1 / (2 sqrt(x)). A negative input throws (no real root); at 0 the
   * value is 0 but the slope is infinite, so backward() through sqrt(0) throws, naming the node.
   */
  sqrt(): Value {
    if (!(this.data >= 0)) throw new Error(`Value.sqrt: input must be >= 0, got ${this.data}`);
    const out = result("sqrt", Math.sqrt(this.data), [this]);
    out.backwardFn = () => {
      this.grad += out.grad / (2 * out.data);
    };
    return out;
  }

  /** |x|, with derivative sign(x): 0 at x = 0 (the subgradient PyTorch uses too; a kink for gradient checks). */
  abs(): Value {
    const out = result("abs", Math.abs(this.data), [this]);
    out.backwardFn = () => {
      this.grad += Math.sign(this.data) * out.grad;
    };
    return out;
  }

  /** Sets the label shown by toDot and returns this, for chaining. */
  named(label: string): this {
    this.label = label;
    return this;
  }

  /**
   * Every node of the graph ending here, inputs before the nodes that use them (so `this` is last).
   * Depth-first with an explicit stack: recursion would overflow on long chains (100k+ nodes).
   */
  topo(): Value[] {
    const order: Value[] = [];
    const visited = new Set<Value>([this]);
    // path[k] is a node on the current DFS path; nextChild[k] is the next of its children to visit.
    const path: Value[] = [this];
    const nextChild: number[] = [0];
    while (path.length > 0) {
      const top = path.length - 1;
      const node = path[top];
      const i = nextChild[top];
      if (i < node.children.length) {
        nextChild[top] = i + 1;
        const child = node.children[i];
        if (!visited.has(child)) {
          visited.add(child);
          path.push(child);
          nextChild.push(0);
        }
      } else {
        // All children are already in `order`, so the node can follow them.
        order.push(node);
        path.pop();
        nextChild.pop();
      }
    }
    return order;
  }

  /**
   * Reverse-mode pass: sets this.grad = 1, restarts intermediate nodes from 0 and adds d(this)/d(leaf)
   * to every leaf's grad (see the accumulation notes at the top of the file).
   * Throws if some local derivative is not finite (e.g. sqrt at 0), naming the node.
   */
  backward(): void {
    const order = this.topo();
    for (const node of order) if (node.children.length > 0) node.grad = 0;
    this.grad = 1;
    for (let k = order.length - 1; k >= 0; k--) {
      const node = order[k];
      node.backwardFn();
      for (const c of node.children) {
        if (!Number.isFinite(c.grad)) {
          throw new Error(`Value.backward: ${describe(node)} gave its input ${c.data} a non-finite gradient ${c.grad}`);
        }
      }
    }
  }

  /** Sets grad = 0 on every node of the graph ending here. */
  zeroGrad(): void {
    for (const node of this.topo()) node.grad = 0;
  }

  /**
   * Graphviz source for the graph: a box per value showing its label (or op), data and grad, and an
   * ellipse per operation linking its inputs to its output.
   */
  toDot(): string {
    const order = this.topo();
    const ids = new Map<Value, string>(order.map((v, k) => [v, `n${k}`]));
    const idOf = (v: Value): string => ids.get(v) ?? "";
    const lines = ["digraph G {", "  rankdir=LR;"];
    for (const v of order) {
      const name = v.label ?? v.op;
      const head = name === "" ? "" : `${escapeRecord(name)} | `;
      lines.push(`  ${idOf(v)} [shape=record, label="{ ${head}data ${fmt(v.data)} | grad ${fmt(v.grad)} }"];`);
      if (v.op !== "") {
        lines.push(`  ${idOf(v)}_op [label="${escapeRecord(v.op)}"];`, `  ${idOf(v)}_op -> ${idOf(v)};`);
        for (const c of v.children) lines.push(`  ${idOf(c)} -> ${idOf(v)}_op;`);
      }
    }
    lines.push("}");
    return lines.join("\n");
  }

  toString(): string {
    const name = this.label === undefined ? "" : `${this.label}: `;
    return `Value(${name}data=${this.data}, grad=${this.grad})`;
  }
}

function noop(): void {}

/** Converts an operand, naming the operation if it is not a finite number. */
function operand(op: string, x: Scalar): Value {
  if (typeof x === "number" && !Number.isFinite(x)) throw new Error(`Value.${op}: operand ${x} is not a finite number`);
  return Value.from(x);
}

/**
 * Builds an operation's output node, refusing NaN or infinite results with a message naming the
 * operation and its operands (e.g. "Value: 0 / 0 = NaN"). `shown` overrides the operands listed
 * (pow with a constant exponent has one child but two operands).
 */
function result(
  op: string,
  data: number,
  children: readonly Value[],
  shown: readonly number[] = children.map((c) => c.data),
): Value {
  if (!Number.isFinite(data))
    throw new Error(`Value: ${formatOp(op, shown)} = ${data}; the result is not a finite number`);
  return new Value(data, children, op);
}

function formatOp(op: string, operands: readonly number[]): string {
  if (operands.length === 2 && ["+", "-", "*", "/"].includes(op)) return `${operands[0]} ${op} ${operands[1]}`;
  // A long sum would make an unreadable message: show its first terms only.
  const listed =
    operands.length > 8 ? `${operands.slice(0, 8).join(", ")}, ... (${operands.length} operands)` : operands.join(", ");
  return `${op.startsWith("^") ? "pow" : op}(${listed})`;
}

function describe(node: Value): string {
  const shown =
    node.op.startsWith("^") && node.op !== "^"
      ? [...node.children.map((c) => c.data), Number(node.op.slice(1))]
      : node.children.map((c) => c.data);
  return formatOp(node.op, shown);
}

/** Short, exact-enough numbers for the graph picture. */
function fmt(x: number): string {
  return String(Number(x.toPrecision(6)));
}

/** Backslash-escapes the characters that are structural in a Graphviz record label. */
function escapeRecord(text: string): string {
  return text.replace(/[\\{}|<>"]/g, (ch) => `\\${ch}`);
}
