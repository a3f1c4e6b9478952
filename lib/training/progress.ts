import { displayBundle, inNotebook, newDisplayId } from "../notebook/tslab";

/**
 * Progress reporting for training. In a notebook one output is redrawn in place; in a terminal a bar
 * is redrawn on stderr; anywhere else (a CI log, a pipe) one line is printed per epoch.
 */
export interface Progress {
  /** Called after each batch with the batches done so far in this epoch. */
  batch(epoch: number, done: number, total: number, loss: number): void;
  /** Called once per epoch with a one-line summary. */
  epoch(summary: string): void;
}

export function silentProgress(): Progress {
  return { batch: () => undefined, epoch: () => undefined };
}

/** One line per epoch, through `write` (console.log by default, which tslab shows in the cell). */
export function lineProgress(write: (line: string) => void = (l) => console.log(l)): Progress {
  return { batch: () => undefined, epoch: (summary) => write(summary) };
}

/** A bar redrawn in place on a TTY stream, at most every `intervalMs`. */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr, width = 30, intervalMs = 100): Progress {
  let last = 0;
  return {
    batch(epoch, done, total, loss) {
      const now = Date.now();
      if (done < total && now - last < intervalMs) return;
      last = now;
      stream.write(
        `\r${progressBar(done, total, width)} epoch ${epoch} batch ${done}/${total} loss ${loss.toFixed(4)}`,
      );
    },
    epoch(summary) {
      stream.write(`\r\x1b[2K${summary}\n`);
    },
  };
}

export function progressBar(done: number, total: number, width = 30): string {
  const frac = total === 0 ? 1 : Math.min(1, Math.max(0, done / total));
  const filled = Math.round(frac * width);
  return `[${"=".repeat(filled)}${filled < width ? ">" : ""}${" ".repeat(Math.max(0, width - filled - 1))}] ${(frac * 100).toFixed(0).padStart(3)}%`;
}

/**
 * In a notebook: one output that is redrawn in place (an HTML bar for the current epoch above
 * the finished epochs' lines), at most every `intervalMs`.
 */
export function notebookProgress(intervalMs = 250): Progress {
  const id = newDisplayId();
  const lines: string[] = [];
  let bar = "";
  let last = 0;
  let shown = false;
  const render = (): void => {
    const text = [...lines, bar].filter((l) => l !== "").join("\n");
    const html = `<pre style="margin:0">${escapeHtml(text)}</pre>`;
    displayBundle({ "text/plain": text, "text/html": html }, { displayId: id, update: shown });
    shown = true;
  };
  return {
    batch(epoch, done, total, loss) {
      const now = Date.now();
      if (done < total && now - last < intervalMs) return;
      last = now;
      bar = `${progressBar(done, total)} epoch ${epoch} batch ${done}/${total} loss ${loss.toFixed(4)}`;
      render();
    },
    epoch(summary) {
      lines.push(summary);
      bar = "";
      render();
    },
  };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;" })[c]!);
}

/** The right default for where the code runs: notebook, terminal, or plain lines. */
export function autoProgress(): Progress {
  if (inNotebook()) return notebookProgress();
  return process.stderr.isTTY ? terminalProgress() : lineProgress();
}
