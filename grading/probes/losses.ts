// Probes for losses: the student's loss value and gradient.
import { softmaxCrossEntropy } from "../../lib/losses/softmax-cross-entropy";
import type { Json } from "../fixtures";
import { fromTensor, lossNumber, toTensor } from "./wire";

type Inputs = Record<string, Json>;

export function softmaxCE(inp: Inputs): Record<string, Json> {
  const r = softmaxCrossEntropy(toTensor(inp.logits, "logits"), inp.labels as number[]);
  return { loss: lossNumber(r.loss, "softmaxCrossEntropy"), grad: fromTensor(r.grad, "softmaxCrossEntropy's grad") };
}
