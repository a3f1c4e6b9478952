import type { Value } from "../autodiff/value";
import { showSvg } from "./display";
import { graphSvg, type GraphEdge, type GraphNode } from "./graph";

/**
 * A scalar autodiff graph as a picture, micrograd style: a box per value (its name, data and grad)
 * and an ellipse per operation, inputs on the left. The same graph `Value.toDot()` writes for
 * Graphviz, drawn by the kit itself.
 */
export function valueGraph(root: Value): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const order = root.topo();
  const id = new Map(order.map((v, k) => [v, `v${k}`]));
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  for (const v of order) {
    const name = v.label ?? "";
    nodes.push({
      id: id.get(v)!,
      shape: "record",
      fields: [...(name === "" ? [] : [name]), `data ${fmt(v.data)}`, `grad ${fmt(v.grad)}`],
    });
    if (v.op === "") continue;
    const op = `${id.get(v)!}:op`;
    nodes.push({ id: op, shape: "ellipse", fields: [v.op] });
    edges.push({ from: op, to: id.get(v)! });
    for (const c of v.children) edges.push({ from: id.get(c)!, to: op });
  }
  return { nodes, edges };
}

/** The graph ending at `root` as SVG. */
export function valueGraphSvg(root: Value): string {
  const { nodes, edges } = valueGraph(root);
  return graphSvg(nodes, edges);
}

/** Shows the graph ending at `root` in a notebook (its Graphviz source elsewhere). */
export function showGraph(root: Value): void {
  const count = root.topo().length;
  showSvg(valueGraphSvg(root), `<Graph of ${root.label ?? "a value"}: ${count} values>`, root.toDot());
}

/** Four decimals, as micrograd's drawings show them. */
function fmt(x: number): string {
  return Math.abs(x) < 1e6 ? x.toFixed(4) : x.toExponential(3);
}
