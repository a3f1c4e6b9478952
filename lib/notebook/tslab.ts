/**
 * The one place that talks to tslab's (pinned, internal) Jupyter module: it sends display_data
 * messages with whole MIME bundles, which tslab's public `display` cannot (one MIME type a call).
 * Outside a tslab kernel (plain Node, tests, the headless runner before it installs a collector)
 * there is no sender and callers fall back to text.
 */
export interface DisplayContent {
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  transient: Record<string, unknown>;
}

interface TslabJupyter {
  lastWriteDisplayData: ((content: DisplayContent, update: boolean) => void) | null;
}

function jupyterModule(): TslabJupyter | null {
  try {
    return require("tslab/dist/jupyter") as TslabJupyter;
  } catch {
    return null;
  }
}

export function inNotebook(): boolean {
  return jupyterModule()?.lastWriteDisplayData != null;
}

/** Sends a MIME bundle; with `displayId`, `update` replaces that earlier output in place. Returns false outside a notebook. */
export function displayBundle(
  data: Record<string, unknown>,
  opts: { displayId?: string; update?: boolean } = {},
): boolean {
  const send = jupyterModule()?.lastWriteDisplayData;
  if (!send) return false;
  send({ data, metadata: {}, transient: opts.displayId ? { display_id: opts.displayId } : {} }, opts.update ?? false);
  return true;
}

let ids = 0;
export function newDisplayId(): string {
  return `tsdl-${process.pid}-${Date.now().toString(36)}-${ids++}`;
}
