// Every probe the grading specs may name: the file (under grading/probes/) and the exported function.
// Plain data, so the grader can read it without loading any probe (or library) code: the sandbox
// loads only the file a case needs, so a broken student file costs only the cases that import it.
export interface ProbeRef {
  file: string;
  fn: string;
}

export const probes: Record<string, ProbeRef> = {
  "linear.forward_backward": { file: "layers", fn: "linearForwardBackward" },
  "relu.forward_backward": { file: "layers-relu", fn: "reluForwardBackward" },
  "conv.forward": { file: "layers-conv", fn: "convForward" },
  "conv.forward_backward": { file: "layers-conv", fn: "convForwardBackward" },
  "loss.softmax_ce": { file: "losses", fn: "softmaxCE" },
  "loss.l2": { file: "losses-l2", fn: "l2" },
  "value.expression": { file: "autodiff", fn: "valueExpression" },
  "train.mlp": { file: "training", fn: "mlpTrain" },
};
