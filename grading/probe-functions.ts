/**
 * Every probe function, imported statically, for running a probe in this process (the worked examples
 * and the notebooks' check cells; the kernel cannot require a .ts file at run time). The grader itself
 * never loads this: it compiles only the probe file a case needs (registry.ts).
 */
import type { Json } from "./fixtures";
import * as autodiff from "./probes/autodiff";
import * as layers from "./probes/layers";
import * as layersConv from "./probes/layers-conv";
import * as layersRelu from "./probes/layers-relu";
import * as losses from "./probes/losses";
import * as lossesL2 from "./probes/losses-l2";
import { probes } from "./probes/registry";
import * as training from "./probes/training";

export type ProbeFn = (inputs: Record<string, Json>) => Record<string, Json>;

const modules: Record<string, Record<string, unknown>> = {
  autodiff,
  layers,
  "layers-conv": layersConv,
  "layers-relu": layersRelu,
  losses,
  "losses-l2": lossesL2,
  training,
};

export function loadProbe(name: string): ProbeFn {
  const ref = probes[name];
  if (!ref) throw new Error(`unknown probe "${name}" (grading/probes/registry.ts)`);
  const fn = modules[ref.file]?.[ref.fn];
  if (typeof fn !== "function") {
    throw new Error(
      `probe "${name}": grading/probes/${ref.file}.ts exports no function ${ref.fn} (or probe-functions.ts does not import it)`,
    );
  }
  return fn as ProbeFn;
}
