// Installs the kit's Jupyter kernel ("TypeScript (tsdl kit)") for JupyterLab, Notebook and VS Code:
//   npm run kernel:install                 into the user's Jupyter data directory
//   npm run kernel:install -- --dir DIR    into DIR/kernels/tsdl (then JUPYTER_PATH=DIR finds it)
//   npm run kernel:install -- --print      only prints the kernelspec
import { mkdirSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";

export const KERNEL_NAME = "tsdl";

export function kernelSpec(root: string): Record<string, unknown> {
  return {
    argv: [process.execPath, join(root, "scripts", "kernel.js"), "--config-path", "{connection_file}"],
    display_name: "TypeScript (tsdl kit)",
    language: "typescript",
    metadata: { debugger: false },
  };
}

/** Jupyter's per-user data directory, as `jupyter --data-dir` reports it. */
export function userDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.JUPYTER_DATA_DIR) return env.JUPYTER_DATA_DIR;
  if (process.platform === "darwin") return join(homedir(), "Library", "Jupyter");
  if (process.platform === "win32") return join(env.APPDATA ?? homedir(), "jupyter");
  return join(env.XDG_DATA_HOME ?? join(homedir(), ".local", "share"), "jupyter");
}

export function installKernel(dataDir: string, root = resolve(__dirname, "..")): string {
  const dir = join(dataDir, "kernels", KERNEL_NAME);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "kernel.json"), JSON.stringify(kernelSpec(root), null, 2) + "\n");
  return dir;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const root = resolve(__dirname, "..");
  if (args.includes("--print")) {
    console.log(JSON.stringify(kernelSpec(root), null, 2));
  } else {
    const at = args.indexOf("--dir");
    const dataDir = at >= 0 ? resolve(args[at + 1] ?? ".") : userDataDir();
    const dir = installKernel(dataDir, root);
    console.log(`installed the "${KERNEL_NAME}" kernel in ${dir}`);
    if (at >= 0) console.log(`make Jupyter find it with: export JUPYTER_PATH=${dataDir}`);
    console.log(
      'start Jupyter from anywhere; notebooks import the library as "./lib/index" (the kernel runs in the project root).',
    );
  }
}
