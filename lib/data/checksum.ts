import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";

export interface Checksums {
  md5?: string;
  sha256?: string;
}

/** Hashes a file in one streaming pass. */
export async function fileDigests(path: string): Promise<{ md5: string; sha256: string }> {
  const md5 = createHash("md5");
  const sha = createHash("sha256");
  for await (const chunk of createReadStream(path)) {
    md5.update(chunk as Buffer);
    sha.update(chunk as Buffer);
  }
  return { md5: md5.digest("hex"), sha256: sha.digest("hex") };
}

/** null when the file matches every checksum given, else a message naming expected and got. */
export async function checksumMismatch(path: string, expected: Checksums): Promise<string | null> {
  const got = await fileDigests(path);
  for (const kind of ["sha256", "md5"] as const) {
    const want = expected[kind];
    if (want !== undefined && want.toLowerCase() !== got[kind])
      return `${kind} mismatch: expected ${want}, got ${got[kind]}`;
  }
  return null;
}
