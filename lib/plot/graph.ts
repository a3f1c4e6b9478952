import { escapeMarkup } from "../notebook/markup";

/**
 * A directed acyclic graph drawn left to right as SVG, by a small layered (Sugiyama-style) layout of
 * the kit's own, no Graphviz needed: each node goes in the column after its furthest input, edges
 * that skip columns pass through invisible waypoints, a few sweeps order each column by the average
 * position of its neighbours (fewer crossings), and the columns are centred on one another.
 */
export interface GraphNode {
  id: string;
  /** Text of the node: one field (an operation) or several (a value's name, data and grad). */
  fields: string[];
  shape: "record" | "ellipse";
}

export interface GraphEdge {
  from: string;
  to: string;
}

const CHAR = 7; // px per character at 12 px
const ROW_GAP = 18;
const COL_GAP = 56;
const HEIGHT = 30;

interface Placed {
  id: string;
  node: GraphNode | null; // null: a waypoint of an edge that skips columns
  width: number;
  x: number;
  y: number;
}

function nodeWidth(n: GraphNode): number {
  if (n.shape === "ellipse") return Math.max(36, CHAR * n.fields.join(" ").length + 22);
  return n.fields.reduce((w, f) => w + CHAR * f.length + 16, 0);
}

/** Column of each node: one after the furthest of its inputs (inputs first). */
function columns(nodes: readonly GraphNode[], edges: readonly GraphEdge[]): Map<string, number> {
  const inputs = new Map<string, string[]>(nodes.map((n) => [n.id, []]));
  for (const e of edges) {
    if (!inputs.has(e.from) || !inputs.has(e.to))
      throw new Error(`graph: edge ${e.from} -> ${e.to} names an unknown node`);
    inputs.get(e.to)!.push(e.from);
  }
  const col = new Map<string, number>();
  const visiting = new Set<string>();
  const place = (id: string): number => {
    const known = col.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) throw new Error(`graph: a cycle through ${id}; only acyclic graphs can be drawn`);
    visiting.add(id);
    const c = Math.max(-1, ...inputs.get(id)!.map(place)) + 1;
    visiting.delete(id);
    col.set(id, c);
    return c;
  };
  for (const n of nodes) place(n.id);
  return col;
}

/** The graph laid out left to right as a standalone SVG document; throws on a cycle or an unknown node. */
export function graphSvg(nodes: readonly GraphNode[], edges: readonly GraphEdge[]): string {
  if (nodes.length === 0) throw new Error("graph: no nodes to draw");
  const col = columns(nodes, edges);
  const layers: Placed[][] = [];
  const add = (p: Placed, c: number): void => {
    (layers[c] ??= []).push(p);
  };
  for (const n of nodes) add({ id: n.id, node: n, width: nodeWidth(n), x: 0, y: 0 }, col.get(n.id)!);
  // Every edge becomes a chain of one-column links through waypoints.
  const chains: string[][] = [];
  const links: [string, string][] = [];
  for (const [k, e] of edges.entries()) {
    const chain = [e.from];
    for (let c = col.get(e.from)! + 1; c < col.get(e.to)!; c++) {
      const id = `\u0000${k}:${c}`;
      add({ id, node: null, width: 0, x: 0, y: 0 }, c);
      chain.push(id);
    }
    chain.push(e.to);
    chains.push(chain);
    for (let i = 1; i < chain.length; i++) links.push([chain[i - 1]!, chain[i]!]);
  }
  const position = new Map<string, number>();
  const renumber = (): void => layers.forEach((l) => l.forEach((p, i) => position.set(p.id, i)));
  renumber();
  const neighbours = (id: string, before: boolean): number[] =>
    links.filter(([a, b]) => (before ? b === id : a === id)).map(([a, b]) => position.get(before ? a : b)!);
  for (let sweep = 0; sweep < 4; sweep++) {
    const forward = sweep % 2 === 0;
    const order = forward ? layers.slice(1) : layers.slice(0, -1).reverse();
    for (const layer of order) {
      const key = new Map(
        layer.map((p, i) => {
          const ns = neighbours(p.id, forward);
          return [p.id, ns.length > 0 ? ns.reduce((s, v) => s + v, 0) / ns.length : i];
        }),
      );
      layer.sort((a, b) => key.get(a.id)! - key.get(b.id)!);
      renumber();
    }
  }
  // Columns side by side; each column's nodes stacked and centred on the tallest column.
  const rowHeight = (p: Placed): number => (p.node ? HEIGHT : 4);
  const columnHeight = (l: Placed[]): number => l.reduce((h, p) => h + rowHeight(p), 0) + ROW_GAP * (l.length - 1);
  const tallest = Math.max(...layers.map(columnHeight));
  let x = 10;
  for (const layer of layers) {
    const width = Math.max(0, ...layer.map((p) => p.width));
    let y = 10 + (tallest - columnHeight(layer)) / 2;
    for (const p of layer) {
      p.x = x + (width - p.width) / 2;
      p.y = y + rowHeight(p) / 2;
      y += rowHeight(p) + ROW_GAP;
    }
    x += width + COL_GAP;
  }
  const at = new Map(layers.flat().map((p) => [p.id, p]));
  const totalWidth = x - COL_GAP + 10;
  const totalHeight = tallest + 20;
  const paths = chains.map((chain) => {
    const pts = chain.map((id, i) => {
      const p = at.get(id)!;
      // Leave a node on its right side, enter one on its left, pass a waypoint through its middle.
      return [i === 0 ? p.x + p.width : i === chain.length - 1 ? p.x - 2 : p.x, p.y] as const;
    });
    let d = `M${r(pts[0]![0])},${r(pts[0]![1])}`;
    for (let i = 1; i < pts.length; i++) {
      const [x0, y0] = pts[i - 1]!;
      const [x1, y1] = pts[i]!;
      const mid = (x0 + x1) / 2;
      d += ` C${r(mid)},${r(y0)} ${r(mid)},${r(y1)} ${r(x1)},${r(y1)}`;
    }
    return `<path d="${d}" fill="none" stroke="#555555" marker-end="url(#tsdl-arrow)"/>`;
  });
  const boxes = layers.flat().flatMap((p) => (p.node ? [drawNode(p.node, p.x, p.y, p.width)] : []));
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${r(totalWidth)}" height="${r(totalHeight)}" ` +
    `viewBox="0 0 ${r(totalWidth)} ${r(totalHeight)}" font-family="monospace" font-size="12">` +
    `<defs><marker id="tsdl-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto">` +
    `<path d="M0,0 L10,5 L0,10 z" fill="#555555"/></marker></defs>` +
    `<rect width="100%" height="100%" fill="#ffffff"/>${paths.join("")}${boxes.join("")}</svg>`
  );
}

const r = (v: number): string => String(Math.round(v * 10) / 10);

function drawNode(n: GraphNode, x: number, y: number, width: number): string {
  const top = y - HEIGHT / 2;
  if (n.shape === "ellipse")
    return (
      `<ellipse cx="${r(x + width / 2)}" cy="${r(y)}" rx="${r(width / 2)}" ry="${HEIGHT / 2 - 2}" fill="#eef3fb" stroke="#4a6fa5"/>` +
      `<text x="${r(x + width / 2)}" y="${r(y + 4)}" text-anchor="middle">${escapeMarkup(n.fields.join(" "))}</text>`
    );
  const out = [
    `<rect x="${r(x)}" y="${r(top)}" width="${r(width)}" height="${HEIGHT}" fill="#ffffff" stroke="#333333"/>`,
  ];
  let fx = x;
  n.fields.forEach((f, i) => {
    const w = CHAR * f.length + 16;
    if (i > 0) out.push(`<line x1="${r(fx)}" y1="${r(top)}" x2="${r(fx)}" y2="${r(top + HEIGHT)}" stroke="#333333"/>`);
    out.push(`<text x="${r(fx + w / 2)}" y="${r(y + 4)}" text-anchor="middle">${escapeMarkup(f)}</text>`);
    fx += w;
  });
  return out.join("");
}
