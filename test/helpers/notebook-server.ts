// Classic Jupyter Notebook 6 started on a folder for browser checks: a free port, a token, and fresh
// Jupyter data, config and runtime folders, so no notebook is trusted (a fresh notary) and nothing of
// the machine's Jupyter set-up leaks in. Used by the kit's tests and by CI's browser check.
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface NotebookServer {
  /** The URL of `path` on the server, with the token. */
  url(path: string): string;
  stop(): void;
}

function freePort(): Promise<number> {
  return new Promise((ok, bad) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
    s.on("error", bad);
  });
}

/** Starts `jupyter notebook` on `root` and waits (up to a minute) until its API answers. */
export async function startNotebookServer(root: string, env: NodeJS.ProcessEnv = {}): Promise<NotebookServer> {
  const jupyter = mkdtempSync(join(tmpdir(), "tsdl-jupyter-"));
  const port = await freePort();
  const token = `tsdl${Date.now()}`;
  let log = "";
  const server = spawn(
    "jupyter",
    [
      "notebook",
      "--no-browser",
      "--ip=127.0.0.1",
      `--port=${port}`,
      `--NotebookApp.token=${token}`,
      `--notebook-dir=${root}`,
      ...(process.getuid?.() === 0 ? ["--allow-root"] : []),
    ],
    {
      env: {
        ...process.env,
        JUPYTER_DATA_DIR: join(jupyter, "data"),
        JUPYTER_CONFIG_DIR: join(jupyter, "config"),
        JUPYTER_RUNTIME_DIR: join(jupyter, "runtime"),
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  server.stdout.on("data", (d: Buffer) => (log += d.toString()));
  server.stderr.on("data", (d: Buffer) => (log += d.toString()));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (server.exitCode !== null) throw new Error(`jupyter notebook exited with ${server.exitCode}:\n${log}`);
    if (i === 120) {
      server.kill("SIGTERM");
      throw new Error(`jupyter notebook did not start:\n${log}`);
    }
    try {
      if ((await fetch(`${base}/api?token=${token}`)).ok) break;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return {
    url: (path) => `${base}${path}${path.includes("?") ? "&" : "?"}token=${token}`,
    stop: () => server.kill("SIGTERM"),
  };
}
