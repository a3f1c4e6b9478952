// The markers that make the student kit: solution regions become stubs, instructor-only blocks and files
// disappear, nesting is refused, and the imports only the removed code used go with it.
import { expect } from "chai";
import { isInstructorOnlyFile, releaseSource } from "../grading/markers";
import { pruneUnusedImports } from "../grading/unused-imports";

const SOURCE = [
  'import { fast } from "./fast";',
  'import { helper, type Shape, used } from "./helpers";',
  "export function f(x: number): number {",
  "  const y = used(x);",
  "  // BEGIN INSTRUCTOR ONLY fast path",
  "  if (y > 10) return fast(y);",
  "  // END INSTRUCTOR ONLY",
  "  // BEGIN SOLUTION f (twice y, through the helper)",
  "  return helper(y) * 2;",
  "  // END SOLUTION",
  "}",
  "export type S = Shape;",
  "",
].join("\n");

describe("release markers", () => {
  it("stub each solution region at its indentation and remove instructor-only blocks with their markers", () => {
    const r = releaseSource(SOURCE, "f.ts");
    expect(r.source.split("\n").slice(2, 7)).to.deep.equal([
      "export function f(x: number): number {",
      "  const y = used(x);",
      "  // TODO: f (twice y, through the helper)",
      '  throw new Error("not implemented: f (twice y, through the helper)");',
      "}",
    ]);
    expect(r.regions).to.deep.equal([{ begin: 8, end: 10, what: "f (twice y, through the helper)" }]);
    expect(r.blocks).to.deep.equal([{ begin: 5, end: 7 }]);
  });

  it("keep the solutions asked for, without their markers (a kit with those parts done)", () => {
    const r = releaseSource(SOURCE, "f.ts", (what) => what.startsWith("f "));
    expect(r.source).to.contain("  return helper(y) * 2;\n}");
    expect(r.source).to.not.match(/BEGIN|END|fast\(y\)/);
  });

  it("refuse unbalanced, mismatched and nested markers, naming the file and line", () => {
    const bad: [string, RegExp][] = [
      ["// BEGIN SOLUTION x\n", /a\.ts:1: BEGIN SOLUTION is never closed/],
      ["// END INSTRUCTOR ONLY\n", /a\.ts:1: END INSTRUCTOR ONLY without a BEGIN INSTRUCTOR ONLY/],
      [
        "// BEGIN SOLUTION x\n// END INSTRUCTOR ONLY\n",
        /a\.ts:2: END INSTRUCTOR ONLY closes the SOLUTION block opened at line 1/,
      ],
      [
        "// BEGIN INSTRUCTOR ONLY\n// BEGIN SOLUTION x\n// END SOLUTION\n// END INSTRUCTOR ONLY\n",
        /a\.ts:2: BEGIN SOLUTION inside the INSTRUCTOR ONLY block opened at line 1/,
      ],
    ];
    for (const [src, err] of bad) expect(() => releaseSource(src, "a.ts"), src).to.throw(err);
  });

  it("recognise an instructor-only file by its first line only", () => {
    expect(isInstructorOnlyFile("// INSTRUCTOR ONLY: the fast paths\nexport {};\n")).to.equal(true);
    expect(isInstructorOnlyFile("export {};\n// INSTRUCTOR ONLY: not first\n")).to.equal(false);
    expect(isInstructorOnlyFile("// INSTRUCTOR ONLY:\n")).to.equal(false); // must say why
  });
});

describe("unused imports", () => {
  it("go when their only users were removed: whole declarations, single names, type-only ones", () => {
    const released = releaseSource(SOURCE, "f.ts").source;
    const r = pruneUnusedImports(released, "f.ts");
    expect(r.removed.sort()).to.deep.equal(["fast", "helper"]);
    expect(r.source.split("\n").slice(0, 2)).to.deep.equal([
      'import { type Shape, used } from "./helpers";',
      "export function f(x: number): number {",
    ]);
  });

  it("stay when used anywhere, in value or type positions; default, namespace and side-effect imports too", () => {
    const src = [
      'import "./side-effect";',
      'import ts from "typescript";',
      'import * as fs from "node:fs";',
      'import Def, { a as b, c } from "./m";',
      'import type { T } from "./t";',
      "export const k: T = b + fs.constants.F_OK;",
      "",
    ].join("\n");
    const r = pruneUnusedImports(src, "g.ts");
    expect(r.removed.sort()).to.deep.equal(["Def", "c", "ts"]);
    expect(r.source).to.equal(
      [
        'import "./side-effect";',
        'import * as fs from "node:fs";',
        'import { a as b } from "./m";',
        'import type { T } from "./t";',
        "export const k: T = b + fs.constants.F_OK;",
        "",
      ].join("\n"),
    );
    expect(pruneUnusedImports(r.source, "g.ts").removed).to.deep.equal([]);
  });
});
