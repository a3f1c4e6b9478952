/**
 * A scalar with reverse-mode automatic differentiation, in the style of micrograd.
 *
 * Each operation builds a node that records its inputs and, right beside the forward formula, a
 * closure adding the local derivative times the upstream gradient to each input's `grad`.
 * `backward()` visits the nodes in reverse topological order. Gradients accumulate: a node used
 * twice receives both contributions, and calling `backward()` twice without `zeroGrad()` adds up.
 */
export class Value {
  data: number;
  grad = 0;
  label: string;
  readonly op: string;
  readonly children: readonly Value[];
  private backwardFn: () => void = () => undefined;

  constructor(data: number, children: readonly Value[] = [], op = "", label = "") {
    if (!Number.isFinite(data)) {
      const what = op === "" ? `new Value(${data})` : `${op}(${children.map((c) => c.data).join(", ")}) = ${data}`;
      throw new Error(`Value: ${what} is not a finite number`);
    }
    this.data = data;
    this.children = children;
    this.op = op;
    this.label = label;
  }

  static from(x: Value | number): Value {
    return x instanceof Value ? x : new Value(x);
  }

  static sum(values: readonly (Value | number)[]): Value {
    return values.reduce<Value>((acc, v) => acc.add(v), new Value(0));
  }

  add(other: Value | number): Value {
    const o = Value.from(other);
    const out = new Value(this.data + o.data, [this, o], "+");
    out.backwardFn = () => {
      this.grad += out.grad;
      o.grad += out.grad;
    };
    return out;
  }

  mul(other: Value | number): Value {
    const o = Value.from(other);
    const out = new Value(this.data * o.data, [this, o], "*");
    out.backwardFn = () => {
      this.grad += o.data * out.grad;
      o.grad += this.data * out.grad;
    };
    return out;
  }

  /** this^p for a constant p, or this^b for a Value b (then d/db = a^b ln a needs a > 0). */
  pow(exponent: Value | number): Value {
    if (typeof exponent === "number") {
      const out = new Value(Math.pow(this.data, exponent), [this], `^${exponent}`);
      out.backwardFn = () => {
        this.grad += exponent * Math.pow(this.data, exponent - 1) * out.grad;
      };
      return out;
    }
    if (!(this.data > 0)) throw new Error(`Value.pow: a Value exponent needs a positive base (d/db a^b = a^b ln a), got base ${this.data}`);
    const b = exponent;
    const out = new Value(Math.pow(this.data, b.data), [this, b], "^");
    out.backwardFn = () => {
      this.grad += b.data * Math.pow(this.data, b.data - 1) * out.grad;
      b.grad += out.data * Math.log(this.data) * out.grad;
    };
    return out;
  }

  neg(): Value {
    return this.mul(-1);
  }

  sub(other: Value | number): Value {
    return this.add(Value.from(other).neg());
  }

  div(other: Value | number): Value {
    const o = Value.from(other);
    if (o.data === 0) throw new Error(`Value.div: division of ${this.data} by zero`);
    return this.mul(o.pow(-1));
  }

  exp(): Value {
    const out = new Value(Math.exp(this.data), [this], "exp");
    out.backwardFn = () => {
      this.grad += out.data * out.grad;
    };
    return out;
  }

  log(): Value {
    if (!(this.data > 0)) throw new Error(`Value.log: log of a non-positive number ${this.data}`);
    const out = new Value(Math.log(this.data), [this], "log");
    out.backwardFn = () => {
      this.grad += out.grad / this.data;
    };
    return out;
  }

  sin(): Value {
    const out = new Value(Math.sin(this.data), [this], "sin");
    out.backwardFn = () => {
      this.grad += Math.cos(this.data) * out.grad;
    };
    return out;
  }

  cos(): Value {
    const out = new Value(Math.cos(this.data), [this], "cos");
    out.backwardFn = () => {
      this.grad -= Math.sin(this.data) * out.grad;
    };
    return out;
  }

  tanh(): Value {
    const out = new Value(Math.tanh(this.data), [this], "tanh");
    out.backwardFn = () => {
      this.grad += (1 - out.data * out.data) * out.grad;
    };
    return out;
  }

  /** Logistic function, evaluated without overflow for large |x|. */
  sigmoid(): Value {
    const x = this.data;
    const s = x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    const out = new Value(s, [this], "sigmoid");
    out.backwardFn = () => {
      this.grad += s * (1 - s) * out.grad;
    };
    return out;
  }

  relu(): Value {
    const out = new Value(this.data > 0 ? this.data : 0, [this], "relu");
    out.backwardFn = () => {
      this.grad += (this.data > 0 ? 1 : 0) * out.grad;
    };
    return out;
  }

  /** Names this node (shown by toDot). */
  named(label: string): this {
    this.label = label;
    return this;
  }

  /** Nodes in topological order (inputs before outputs), found without recursion so deep graphs work. */
  topo(): Value[] {
    const order: Value[] = [];
    const visited = new Set<Value>();
    const stack: { node: Value; expanded: boolean }[] = [{ node: this, expanded: false }];
    while (stack.length > 0) {
      const top = stack.pop()!;
      if (top.expanded) {
        order.push(top.node);
        continue;
      }
      if (visited.has(top.node)) continue;
      visited.add(top.node);
      stack.push({ node: top.node, expanded: true });
      for (const c of top.node.children) if (!visited.has(c)) stack.push({ node: c, expanded: false });
    }
    return order;
  }

  /** Sets d(this)/d(this) = 1 and propagates gradients to every node of the graph. */
  backward(): void {
    const order = this.topo();
    this.grad = 1;
    for (let i = order.length - 1; i >= 0; i--) order[i]!.backwardFn();
  }

  zeroGrad(): void {
    for (const n of this.topo()) n.grad = 0;
  }

  /** Graphviz source of the graph: one box per value (label, data, grad) and one ellipse per op. */
  toDot(): string {
    const ids = new Map<Value, string>();
    const id = (v: Value): string => {
      let s = ids.get(v);
      if (s === undefined) {
        s = `n${ids.size}`;
        ids.set(v, s);
      }
      return s;
    };
    const fmt = (x: number): string => (Number.isInteger(x) ? String(x) : x.toPrecision(4));
    const lines = ["digraph G {", "  rankdir=LR;"];
    for (const v of this.topo()) {
      const name = v.label ? `${v.label} | ` : "";
      lines.push(`  ${id(v)} [shape=record, label="{ ${name}data ${fmt(v.data)} | grad ${fmt(v.grad)} }"];`);
      if (v.op !== "") {
        lines.push(`  ${id(v)}_op [label="${v.op}"];`, `  ${id(v)}_op -> ${id(v)};`);
        for (const c of v.children) lines.push(`  ${id(c)} -> ${id(v)}_op;`);
      }
    }
    lines.push("}");
    return lines.join("\n");
  }

  toString(): string {
    return `Value(data=${this.data}, grad=${this.grad})`;
  }
}
