// Training progress in a notebook: one output redrawn in place a few times a second at most, listing
// only the last epochs, and always ending in the run's final state (full-mode notebooks were tens
// of MB of progress redraws).
import { expect } from "chai";
import { notebookProgress } from "../lib/training/progress";

interface Sent {
  text: string;
  update: boolean;
  id: unknown;
}

/** Captures what the progress sends through tslab's display hook while `use` runs. */
async function capture(use: () => Promise<void> | void): Promise<Sent[]> {
  const jupyter = require("tslab/dist/jupyter") as { lastWriteDisplayData: unknown };
  const sent: Sent[] = [];
  jupyter.lastWriteDisplayData = (
    c: { data: Record<string, unknown>; transient: Record<string, unknown> },
    update: boolean,
  ) => {
    expect(Object.keys(c.data)).to.deep.equal(["text/plain"]);
    sent.push({ text: String(c.data["text/plain"]), update, id: c.transient.display_id });
  };
  try {
    await use();
  } finally {
    jupyter.lastWriteDisplayData = null;
  }
  return sent;
}

const epochLine = (e: number, total: number): string => `epoch ${e}/${total}  loss ${(1 / e).toFixed(4)}`;

describe("notebook progress", () => {
  it("redraws one output at most every interval however often batches finish", async () => {
    let batches = 0;
    const sent = await capture(async () => {
      const p = notebookProgress(200);
      const until = Date.now() + 450;
      while (Date.now() < until) p.batch(1, ++batches % 1000, 1000, 0.5); // a tight loop of fast batches
      await new Promise((r) => setTimeout(r, 300)); // the last state, held back, is drawn after the interval
    });
    expect(sent.length).to.be.within(3, 5);
    expect(sent[sent.length - 1]!.text).to.contain(`batch ${batches % 1000}/1000`);
    expect(new Set(sent.map((s) => s.id)).size).to.equal(1);
    expect(sent.map((s) => s.update)).to.deep.equal([false, ...sent.slice(1).map(() => true)]);
    expect(sent[0]!.text).to.match(/^\[.*\] +\d+% epoch 1 batch \d+\/1000 loss 0\.5000$/);
  });

  it("lists the last epochs, counts the earlier ones, and always draws the last epoch", async () => {
    const sent = await capture(() => {
      const p = notebookProgress(10_000, 10);
      for (let e = 1; e <= 30; e++) p.epoch(epochLine(e, 30));
    });
    // The first epoch draws (nothing was shown yet), the rest wait for the interval, except the last.
    expect(sent.length).to.equal(2);
    expect(sent[1]!.text.split("\n")).to.deep.equal([
      "(20 earlier epochs)",
      ...Array.from({ length: 10 }, (_, i) => epochLine(21 + i, 30)),
    ]);
  });

  it("a change held back by the interval is drawn when the interval is up (an early stop's last epoch)", async () => {
    const sent = await capture(async () => {
      const p = notebookProgress(100);
      p.epoch(epochLine(1, 50));
      p.epoch(epochLine(2, 50)); // training stopped early here
      await new Promise((r) => setTimeout(r, 250));
    });
    expect(sent.map((s) => s.text)).to.deep.equal([epochLine(1, 50), `${epochLine(1, 50)}\n${epochLine(2, 50)}`]);
  });
});
