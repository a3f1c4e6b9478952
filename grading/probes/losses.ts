// Probe for softmax cross-entropy: the student's loss value and gradient.
import { softmaxCrossEntropy } from "../../lib/losses/softmax-cross-entropy";
import { Tensor } from "../../lib/tensor/tensor";
import type { Json } from "../fixtures";
import * as wire from "./wire";

type Inputs = Record<string, Json>;

export function softmaxCE(inp: Inputs, w: typeof wire = wire): wire.ProbeOutputs {
  const r = softmaxCrossEntropy(w.toTensor(Tensor, inp.logits, "logits"), w.integers(inp.labels, "labels"));
  return {
    loss: w.lossNumber(r.loss, "softmaxCrossEntropy"),
    grad: w.fromTensor(r.grad, "softmaxCrossEntropy's grad"),
  };
}
