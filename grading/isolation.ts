/**
 * How the sandbox is separated from the grader, decided once per grader process from what this machine
 * allows, and the command that starts a sandbox that way.
 *
 * With namespaces (root, or unprivileged user namespaces): the sandbox is PID 1 of its own PID
 * namespace (it cannot see, let alone signal, the grader or another sandbox; when the grader dies, it
 * dies), has an empty network namespace, and its scratch folder is a size-capped tmpfs in its own mount
 * namespace. Where the grader runs as root the sandbox also runs as nobody.
 *
 * Without namespaces (a container that forbids unshare): the sandbox runs as nobody where the grader is
 * root (it cannot signal root's processes), dies with the grader (parent-death signal), and relies on
 * its own blocks: the permission model, the network modules and socket handles refused, process.kill
 * refused, a file-size limit and a watchdog on its scratch folder. The grader refuses to run this way
 * unless told (--allow-no-namespace).
 *
 * In every case: Node's permission model, RLIMIT_DATA (memory), RLIMIT_FSIZE (file size) and
 * RLIMIT_NOFILE where prlimit exists, a heap limit, and the grader's time limit per case.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve, sep } from "node:path";

export interface Isolation {
  /** PID, network and mount namespaces (unshare). */
  namespaces: boolean;
  /** The namespaces come with a user namespace (the grader is not root). */
  userNamespace: boolean;
  /** The scratch folder is a size-capped tmpfs (inside the mount namespace). */
  tmpfs: boolean;
  /** The uid and gid the sandbox runs as, when the grader can switch (it is root). */
  user: { uid: number; gid: number } | null;
  setpriv: boolean;
  prlimit: boolean;
  /** Why namespaces are not available, when they are not. */
  reason: string | null;
}

export interface SandboxLimits {
  /** V8 heap (MB); the process's data segment is capped at twice this plus 512 MB. */
  memoryMB: number;
  /** Scratch folder quota (MB). */
  scratchMB: number;
}

function works(cmd: string, args: string[]): { ok: boolean; why: string } {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 10000 });
  if (r.error) return { ok: false, why: `${cmd}: ${r.error.message}` };
  return { ok: r.status === 0, why: (r.stderr || r.stdout || `${cmd} exited with ${r.status}`).trim().split("\n")[0]! };
}

/** nobody's uid and gid from /etc/passwd (65534 where it is missing). */
function nobody(): { uid: number; gid: number } {
  try {
    const line = readFileSync("/etc/passwd", "utf8")
      .split("\n")
      .find((l) => l.startsWith("nobody:"));
    const [, , uid, gid] = line?.split(":") ?? [];
    if (uid && gid) return { uid: Number(uid), gid: Number(gid) };
  } catch {
    // no /etc/passwd: the usual numbers
  }
  return { uid: 65534, gid: 65534 };
}

let cached: Isolation | null = null;

/** What this machine allows (probed once: a few short-lived processes). */
export function detectIsolation(): Isolation {
  if (cached) return cached;
  const root = process.getuid?.() === 0;
  const setpriv = process.platform === "linux" && works("setpriv", ["--version"]).ok;
  const prlimit = process.platform === "linux" && works("prlimit", ["--version"]).ok;
  const userNamespace = !root;
  const unshare = [
    "--net",
    "--pid",
    "--fork",
    "--kill-child",
    "--mount-proc",
    ...(userNamespace ? ["--user", "--map-root-user"] : []),
  ];
  let namespaces = false;
  let tmpfs = false;
  let reason: string | null = null;
  if (process.platform !== "linux") reason = `namespaces are Linux's (this is ${process.platform})`;
  else {
    const probe = mkdtempSync(join(tmpdir(), "tsdl-isolation-"));
    try {
      const ns = works("unshare", [...unshare, "true"]);
      namespaces = ns.ok;
      if (!ns.ok) reason = ns.why;
      else tmpfs = works("unshare", [...unshare, "mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", probe]).ok;
    } finally {
      rmSync(probe, { recursive: true, force: true });
    }
  }
  cached = { namespaces, userNamespace, tmpfs, user: root && setpriv ? nobody() : null, setpriv, prlimit, reason };
  return cached;
}

/**
 * For a student checking their own code on their own machine (`npm run check`): no namespaces and no
 * other user, only what needs no privilege (the permission model, rlimits, dying with the checker).
 */
export function localIsolation(): Isolation {
  const linux = process.platform === "linux";
  return {
    namespaces: false,
    userNamespace: false,
    tmpfs: false,
    user: null,
    setpriv: linux && works("setpriv", ["--version"]).ok,
    prlimit: linux && works("prlimit", ["--version"]).ok,
    reason: "a local check",
  };
}

/** For tests: forget what was detected. */
export function resetIsolation(): void {
  cached = null;
}

/** One line for reports: what separates a sandbox from the grader here. */
export function describeIsolation(iso: Isolation): string {
  const parts = ["Node permission model"];
  if (iso.namespaces)
    parts.push(`own PID, network and mount namespaces${iso.tmpfs ? " with a tmpfs scratch quota" : ""}`);
  else parts.push("no namespaces (blocked network and signals inside the sandbox, scratch watchdog)");
  if (iso.user) parts.push(`runs as uid ${iso.user.uid}`);
  if (iso.prlimit) parts.push("rlimits on memory, file size and open files");
  return parts.join("; ");
}

/**
 * The command that starts `node nodeArgs` as a sandbox with its scratch folder at `scratch`: [command,
 * arguments]. The wrappers exec one another, so with namespaces the grader's child is `unshare` (whose
 * death kills the sandbox) and the sandbox is its only child; without, the grader's child is node itself.
 */
export function sandboxCommand(
  iso: Isolation,
  scratch: string,
  limits: SandboxLimits,
  nodeArgs: string[],
): [string, string[]] {
  let argv: string[] = [process.execPath, ...nodeArgs];
  if (iso.prlimit) {
    const data = (2 * limits.memoryMB + 512) * 1024 * 1024;
    argv = [
      "prlimit",
      `--data=${data}`,
      `--fsize=${limits.scratchMB * 1024 * 1024}`,
      "--nofile=256",
      "--core=0",
      "--",
      ...argv,
    ];
  }
  // The sandbox dies with the grader: its parent-death signal (kept across exec; set after the uid switch).
  const dieWithGrader = ["--pdeathsig=KILL"];
  if (iso.setpriv) {
    const user = iso.user ? [`--reuid=${iso.user.uid}`, `--regid=${iso.user.gid}`, "--clear-groups"] : [];
    argv = ["setpriv", ...user, "--no-new-privs", ...(iso.namespaces ? [] : dieWithGrader), "--", ...argv];
  }
  if (!iso.namespaces) return [argv[0]!, argv.slice(1)];
  if (iso.tmpfs) {
    const owner = iso.user ? `,uid=${iso.user.uid},gid=${iso.user.gid}` : "";
    const options = `size=${limits.scratchMB}m,nr_inodes=4096,mode=0700${owner}`;
    // sh mounts the quota'd scratch folder inside the new mount namespace, enters it (the working
    // directory spawn gave is the folder under the mount), then becomes the sandbox.
    argv = ["/bin/sh", "-c", `mount -t tmpfs -o ${options} tmpfs "$0" && cd "$0" && exec "$@"`, scratch, ...argv];
  }
  const unshare = ["unshare", "--net", "--pid", "--fork", "--kill-child", "--mount-proc"];
  if (iso.userNamespace) unshare.push("--user", "--map-root-user");
  argv = [...unshare, "--", ...argv];
  // unshare kills the sandbox when it dies (--kill-child); it dies with the grader.
  if (iso.setpriv) argv = ["setpriv", ...dieWithGrader, "--", ...argv];
  return [argv[0]!, argv.slice(1)];
}

/** The folders of `dirs` that lie in no other one of them, each once (Node 20 aborts on overlapping --allow-fs-read folders). */
export function outermost(dirs: string[]): string[] {
  const unique = [...new Set(dirs)];
  return unique.filter((d) => !unique.some((o) => o !== d && d.startsWith(o + sep)));
}

/** Why the sandbox's user could not reach the grader's folders under TMPDIR, or null when it can. */
export function tempFolderProblem(iso: Isolation): string | null {
  if (!iso.user) return null;
  for (let d = resolve(tmpdir()); ; d = dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0)
      return `the sandbox's user cannot reach ${d} (set TMPDIR to a folder every user may enter: mode o+x on it and on every folder above it)`;
    if (dirname(d) === d) return null;
  }
}
