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
 * In a notebook: one output redrawn in place, at most every `intervalMs` (a few times a second, so a
 * long run neither floods the page nor the saved notebook), showing the current epoch's bar under
 * the last `keep` finished epochs (earlier ones are counted, not listed). The last epoch is always
 * drawn, so the saved output shows how training ended.
 */
export function notebookProgress(intervalMs = 250, keep = 10): Progress {
  const id = newDisplayId();
  const lines: string[] = [];
  let earlier = 0;
  let bar = "";
  let last = -Infinity;
  let shown = false;
  let pending: ReturnType<typeof setTimeout> | null = null;
  const render = (): void => {
    if (pending !== null) clearTimeout(pending);
    pending = null;
    last = Date.now();
    const head = earlier > 0 ? [`(${earlier} earlier epoch${earlier === 1 ? "" : "s"})`] : [];
    const text = [...head, ...lines, bar].filter((l) => l !== "").join("\n");
    displayBundle({ "text/plain": text }, { displayId: id, update: shown });
    shown = true;
  };
  // A change that came too soon after the last redraw is drawn when the interval is up (or by the
  // next redraw), so nothing shown is ever stale for long.
  const later = (): void => {
    if (pending === null) pending = setTimeout(render, Math.max(0, intervalMs - (Date.now() - last))).unref();
  };
  return {
    batch(epoch, done, total, loss) {
      bar = `${progressBar(done, total)} epoch ${epoch} batch ${done}/${total} loss ${loss.toFixed(4)}`;
      if (Date.now() - last >= intervalMs) render();
      else later();
    },
    epoch(summary) {
      lines.push(summary);
      if (lines.length > keep) {
        lines.shift();
        earlier++;
      }
      bar = "";
      // "epoch 10/10 ...": the planned last epoch is drawn at once.
      const m = /^epoch\s+(\d+)\/(\d+)/.exec(summary);
      if (Date.now() - last >= intervalMs || (m !== null && m[1] === m[2])) render();
      else later();
    },
  };
}

/** The right default for where the code runs: notebook, terminal, or plain lines. */
export function autoProgress(): Progress {
  if (inNotebook()) return notebookProgress();
  return process.stderr.isTTY ? terminalProgress() : lineProgress();
}
