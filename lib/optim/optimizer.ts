import type { Parameter } from "../layers/layer";
import { Tensor } from "../tensor/tensor";

/** What `state()` returns: plain JSON (numbers and arrays), so it survives JSON.stringify. */
export interface OptimizerState {
  /** The optimizer's class name; loading into a different kind throws. */
  kind: string;
  /** Steps taken. */
  t: number;
  lr: number;
  /** Per-parameter state tensors (velocity, moments), flattened, keyed by parameter name. */
  slots: Record<string, number[][]>;
}

/** Throws unless lo <= x < hi (or <= hi when closed), naming the option. */
export function checkRange(where: string, name: string, x: number, lo: number, hi: number, closed = false): void {
  const ok = Number.isFinite(x) && x >= lo && (closed ? x <= hi : x < hi);
  if (!ok) throw new Error(`${where}: ${name} must be in [${lo}, ${hi}${closed ? "]" : ")"}, got ${x}`);
}

/**
 * Base class: holds the parameters, a settable learning rate and per-parameter state tensors
 * (velocities, moments), which `state()` / `loadState()` save and restore by parameter name.
 * Subclasses implement `update(p)` for one parameter; `step()` checks every gradient first, so a NaN
 * stops training with the parameter's name instead of silently poisoning the weights.
 */
export abstract class Optimizer {
  /** Steps taken so far (Adam's bias correction uses it). */
  t = 0;
  private lr_ = 0;
  protected readonly slots = new Map<string, Tensor[]>();

  constructor(
    readonly params: readonly Parameter[],
    lr: number,
  ) {
    const names = new Set<string>();
    for (const p of params) {
      if (names.has(p.name))
        throw new Error(`${this.constructor.name}: two parameters are named "${p.name}" (state is kept by name)`);
      names.add(p.name);
    }
    this.lr = lr;
  }

  get lr(): number {
    return this.lr_;
  }

  /** Schedules set this between epochs; a negative or NaN rate is refused. */
  set lr(value: number) {
    if (!Number.isFinite(value) || value < 0)
      throw new Error(`${this.constructor.name}: learning rate must be a finite number >= 0, got ${value}`);
    this.lr_ = value;
  }

  step(): void {
    for (const p of this.params) {
      const bad = p.grad.firstNonFinite();
      if (bad !== null) {
        throw new Error(
          `${this.constructor.name}.step: gradient of "${p.name}" is ${p.grad.get(...bad)} at [${bad.join(", ")}] (step ${this.t + 1})`,
        );
      }
    }
    this.t++;
    for (const p of this.params) this.update(p);
  }

  /** One parameter's update; `p.grad` is final (regularised, clipped). */
  protected abstract update(p: Parameter): void;

  zeroGrad(): void {
    for (const p of this.params) p.grad.fill(0);
  }

  /** State tensors for a parameter, created as zeros (same dtype as the parameter) on first use. */
  protected slot(p: Parameter, count: number): Tensor[] {
    let s = this.slots.get(p.name);
    if (s === undefined) {
      s = Array.from({ length: count }, () => Tensor.zerosForKernels(p.value.shape, p.value.dtype));
      this.slots.set(p.name, s);
    }
    return s;
  }

  state(): OptimizerState {
    const slots: Record<string, number[][]> = {};
    for (const [name, tensors] of this.slots) slots[name] = tensors.map((t) => t.toFlatArray());
    return { kind: this.constructor.name, t: this.t, lr: this.lr, slots };
  }

  loadState(state: OptimizerState): void {
    const where = `${this.constructor.name}.loadState`;
    if (state.kind !== this.constructor.name) throw new Error(`${where}: the state was saved by ${state.kind}`);
    const unknown = Object.keys(state.slots).filter((name) => !this.params.some((p) => p.name === name));
    if (unknown.length > 0)
      throw new Error(`${where}: state for unknown parameter(s) ${unknown.map((n) => `"${n}"`).join(", ")}`);
    const loaded = new Map<string, Tensor[]>();
    for (const p of this.params) {
      const saved = state.slots[p.name];
      if (saved === undefined) continue;
      loaded.set(
        p.name,
        saved.map((values, i) => {
          if (values.length !== p.value.size) {
            throw new Error(
              `${where}: slot ${i} of "${p.name}" has ${values.length} values, the parameter has ${p.value.size}`,
            );
          }
          const t = Tensor.zerosForKernels(p.value.shape, p.value.dtype);
          t.data.set(values);
          return t;
        }),
      );
    }
    // Only commit once everything validated, so a failed load leaves the optimizer as it was.
    this.lr = state.lr;
    this.t = state.t;
    this.slots.clear();
    for (const [name, tensors] of loaded) this.slots.set(name, tensors);
  }
}
