import type { Parameter } from "../layers/layer";
import { Tensor } from "../tensor/tensor";

/**
 * Base class: holds the parameters, a settable learning rate and per-parameter state tensors
 * (velocities, moments), which `state()` / `loadState()` save and restore by parameter name.
 */
export abstract class Optimizer {
  lr: number;
  /** Steps taken so far (Adam's bias correction uses it). */
  t = 0;
  protected readonly slots = new Map<string, Tensor[]>();

  constructor(readonly params: readonly Parameter[], lr: number) {
    if (!(lr >= 0) || !Number.isFinite(lr)) throw new Error(`${this.constructor.name}: learning rate must be a finite number >= 0, got ${lr}`);
    const names = new Set<string>();
    for (const p of params) {
      if (names.has(p.name)) throw new Error(`${this.constructor.name}: two parameters are named "${p.name}" (state is kept by name)`);
      names.add(p.name);
    }
    this.lr = lr;
  }

  step(): void {
    this.t++;
    for (const p of this.params) {
      const nan = p.grad.firstNonFinite();
      if (nan !== null) {
        throw new Error(`${this.constructor.name}.step: gradient of "${p.name}" is ${p.grad.get(...nan)} at [${nan.join(", ")}] (step ${this.t})`);
      }
      this.update(p);
    }
  }

  /** One parameter's update; `p.grad` is final (regularised, clipped). */
  protected abstract update(p: Parameter): void;

  zeroGrad(): void {
    for (const p of this.params) p.grad.fill(0);
  }

  /** State tensors for a parameter, created as zeros on first use. */
  protected slot(p: Parameter, count: number): Tensor[] {
    let s = this.slots.get(p.name);
    if (s === undefined) {
      s = Array.from({ length: count }, () => Tensor.zerosLike(p.value));
      this.slots.set(p.name, s);
    }
    return s;
  }

  state(): { t: number; lr: number; slots: Record<string, number[][]> } {
    const slots: Record<string, number[][]> = {};
    for (const [name, tensors] of this.slots) slots[name] = tensors.map((t) => t.toFlatArray());
    return { t: this.t, lr: this.lr, slots };
  }

  loadState(state: { t: number; lr: number; slots: Record<string, number[][]> }): void {
    this.t = state.t;
    this.lr = state.lr;
    this.slots.clear();
    for (const p of this.params) {
      const saved = state.slots[p.name];
      if (saved === undefined) continue;
      const tensors = saved.map((values, i) => {
        if (values.length !== p.value.size) {
          throw new Error(`${this.constructor.name}.loadState: slot ${i} of "${p.name}" has ${values.length} values, the parameter has ${p.value.size}`);
        }
        return Tensor.from(values, p.value.shape, p.value.dtype);
      });
      this.slots.set(p.name, tensors);
    }
  }
}
