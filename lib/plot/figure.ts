/**
 * A Plotly figure as plain JSON: the kit builds figures as data, so they can be shown in a notebook,
 * exported to HTML or PNG, compared in tests, or sent to any Plotly front end.
 */
export interface Trace {
  type: string;
  name?: string;
  x?: readonly (number | string)[];
  y?: readonly (number | string)[];
  z?: readonly (readonly (number | null | readonly number[])[])[];
  mode?: string;
  [attribute: string]: unknown;
}

export interface Layout {
  title?: { text: string };
  width?: number;
  height?: number;
  [attribute: string]: unknown;
}

export interface Figure {
  data: Trace[];
  layout: Layout;
}

export function figure(data: Trace[], layout: Layout = {}): Figure {
  return { data, layout: { template: "plotly_white", ...layout } };
}
