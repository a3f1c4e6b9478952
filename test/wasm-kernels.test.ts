// The WebAssembly SIMD kernels agree with the reference kernels: gemm within float rounding for every
// transpose, odd sizes, offsets, padded leading dimensions, alpha/beta and both dtypes (on one thread
// and split over the worker), im2col/col2im exactly, and whole Linear/Conv2d passes. The committed
// kernels.wasm and kernels-fma.wasm, and the kit's in wasm/kit/, are exactly what wasm/build.js builds.
import { expect } from "chai";
import { readFileSync, mkdtempSync, rmSync } from "fs";
import { spawnSync } from "child_process";
import { tmpdir } from "os";
import { join, relative, sep } from "path";
import { kernels, setKernels, type ConvGeometry, type GemmArgs } from "../lib/kernels/kernels";
import { conv2dBackwardWith, conv2dForwardWith } from "../lib/kernels/conv";
import { referenceKernels } from "../lib/kernels/reference";
import { wasmConv2dBackward, wasmConv2dForward } from "../lib/kernels/wasm/conv";
import {
  setWasmAwaitWorkerForTests,
  setWasmThreads,
  useWasmKernels,
  wasmKernels,
  wasmKernelsError,
  wasmKernelsInfo,
  wasmKernelsSupported,
} from "../lib/kernels/wasm/index";
import { Conv2d } from "../lib/layers/conv2d";
import { Linear } from "../lib/layers/linear";
import { Rng } from "../lib/random";
import type { Storage } from "../lib/tensor/dtype";
import { Tensor } from "../lib/tensor/tensor";
import { compareGemm, expectHandComputedGemm, randomArray } from "./helpers/gemm-case";
import { buildWasm } from "../wasm/build.js";

const TRANSPOSES: [boolean, boolean][] = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
];

describe("wasm kernels", function () {
  this.timeout(30000);

  before(function () {
    if (!wasmKernelsSupported()) throw new Error(`wasm kernels unavailable: ${wasmKernelsError()}`);
  });
  after(() => {
    setWasmThreads(true);
    setKernels(null);
  });

  for (const threads of [false, true]) {
    describe(threads ? "gemm, large products split with the worker thread" : "gemm on the calling thread", () => {
      before(() => {
        expect(setWasmThreads(threads, true)).to.equal(threads);
        setWasmAwaitWorkerForTests(threads);
      });
      after(() => setWasmAwaitWorkerForTests(false));

      it("matches the reference for all transposes, odd sizes, offsets and padded leading dimensions (f64 and f32)", () => {
        // MR = 4, NR = 4 (f64) / 8 (f32), MC = 96, KC = 256, NC = 1024; products of >= 2^20 multiply-adds
        // whose larger side of C has >= 256 entries are shared in chunks of >= 128 columns or rows.
        const sizes: [number, number, number][] = threads
          ? [
              [65, 257, 63],
              [257, 63, 65],
              [63, 1031, 17],
              [1025, 5, 257],
              [17, 300, 513],
              [300, 33, 400],
            ]
          : [
              [1, 1, 1],
              [3, 5, 1],
              [5, 1, 3],
              [17, 63, 65],
              [63, 17, 257],
              [65, 257, 17],
              [257, 65, 63],
              [1, 257, 5],
              [257, 3, 1],
              [5, 9, 513],
              [3, 1025, 2],
              [97, 5, 7],
            ];
        const rng = new Rng(threads ? 61 : 60);
        const before = wasmKernelsInfo();
        for (const f32 of [false, true]) {
          for (const [m, n, k] of sizes) {
            for (const [transA, transB] of TRANSPOSES) {
              compareGemm(
                { m, n, k, transA, transB, alpha: 0.7, beta: -1.3, f32, pad: [2, 1, 3], offsets: [5, 2, 4] },
                rng,
              );
            }
          }
        }
        // Every one of these products was (or was not) really shared with the worker, and it took part.
        const after = wasmKernelsInfo();
        expect(after.splitProducts - before.splitProducts).to.equal(threads ? 2 * sizes.length * TRANSPOSES.length : 0);
        expect(after.joinedProducts - before.joinedProducts).to.equal(
          threads ? 2 * sizes.length * TRANSPOSES.length : 0,
        );
      });

      it("applies alpha and beta (beta 0 overwrites NaN, beta 1 accumulates, alpha 0 only scales C)", () => {
        const rng = new Rng(62);
        const ab: [number, number][] = [
          [1, 0],
          [1, 1],
          [-2, 0.5],
          [0, 3],
          [0, 0],
          [0.25, -1],
        ];
        const [m, n, k] = threads ? [70, 260, 120] : [9, 7, 6];
        for (const f32 of [false, true]) {
          for (const [alpha, beta] of ab) {
            for (const [transA, transB] of TRANSPOSES) {
              compareGemm({ m, n, k, transA, transB, alpha, beta, f32, pad: [0, 0, 0], offsets: [0, 0, 0] }, rng);
              compareGemm(
                { m, n, k, transA, transB, alpha, beta, f32, pad: [7, 3, 5], offsets: [1, 2, 3] },
                rng,
                beta === 0,
              );
            }
          }
        }
        expectHandComputedGemm(wasmKernels);
      });

      it("gives the same bits whichever thread computes which part", () => {
        const rng = new Rng(63);
        for (const f32 of [false, true]) {
          const [m, n, k] = [130, 300, 90];
          const a = randomArray(m * k, rng, f32);
          const b = randomArray(k * n, rng, f32);
          const out: Storage[] = [];
          for (const on of [false, true]) {
            setWasmThreads(on, true);
            const c = f32 ? new Float32Array(m * n) : new Float64Array(m * n);
            wasmKernels.gemm({
              transA: false,
              transB: false,
              m,
              n,
              k,
              alpha: 1,
              a,
              aOffset: 0,
              lda: k,
              b,
              bOffset: 0,
              ldb: n,
              beta: 0,
              c,
              cOffset: 0,
              ldc: n,
            });
            out.push(c);
          }
          setWasmThreads(threads, true);
          expect(Array.from(out[1]!)).to.deep.equal(Array.from(out[0]!));
        }
      });
    });
  }

  it("refuses the same bad arguments as the reference, with the same messages, writing nothing", () => {
    const base = (): GemmArgs => ({
      transA: false,
      transB: false,
      m: 2,
      n: 3,
      k: 4,
      alpha: 1,
      a: new Float64Array(8),
      aOffset: 0,
      lda: 4,
      b: new Float64Array(12),
      bOffset: 0,
      ldb: 3,
      beta: 0,
      c: new Float64Array(6).fill(5),
      cOffset: 0,
      ldc: 3,
    });
    const bad: Partial<GemmArgs>[] = [
      { a: new Float64Array(7) },
      { aOffset: 1 },
      { b: new Float64Array(11) },
      { c: new Float64Array(5) },
      { ldc: 4 },
      { transA: true },
      { transB: true, ldb: 5 },
      { lda: 3 },
      { ldb: 2 },
      { ldc: 2 },
      { cOffset: -1 },
      { m: -1 },
      { k: 1.5 },
    ];
    for (const patch of bad) {
      const args = { ...base(), ...patch };
      let message = "";
      try {
        referenceKernels.gemm({ ...args, c: args.c.slice() });
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message, JSON.stringify(Object.keys(patch))).not.to.equal("");
      const c0 = args.c.slice();
      expect(() => wasmKernels.gemm(args)).to.throw(message);
      expect(Array.from(args.c)).to.deep.equal(Array.from(c0));
    }
  });

  it("handles empty products and mixed element types like the reference", () => {
    const rng = new Rng(64);
    for (const [m, n, k] of [
      [0, 3, 2],
      [3, 0, 2],
      [3, 2, 0],
    ] as [number, number, number][]) {
      const c = Float64Array.of(NaN, 1, 2, 3, 4, 5, NaN);
      const want = c.slice();
      const args: GemmArgs = {
        transA: false,
        transB: false,
        m,
        n,
        k,
        alpha: 1,
        a: new Float64Array(6),
        aOffset: 0,
        lda: Math.max(k, 1),
        b: new Float64Array(6),
        bOffset: 0,
        ldb: Math.max(n, 1),
        beta: 0,
        c: want,
        cOffset: 0,
        ldc: Math.max(n, 1),
      };
      referenceKernels.gemm(args);
      wasmKernels.gemm({ ...args, c });
      expect(Array.from(c)).to.deep.equal(Array.from(want));
    }
    // float32 A with float64 B and C: not a wasm case, served by the reference.
    const a = randomArray(12, rng, true),
      b = randomArray(12, rng, false);
    const want = new Float64Array(9),
      got = new Float64Array(9);
    const args: GemmArgs = {
      transA: false,
      transB: false,
      m: 3,
      n: 3,
      k: 4,
      alpha: 1,
      a,
      aOffset: 0,
      lda: 4,
      b,
      bOffset: 0,
      ldb: 3,
      beta: 0,
      c: want,
      cOffset: 0,
      ldc: 3,
    };
    referenceKernels.gemm(args);
    wasmKernels.gemm({ ...args, c: got });
    expect(Array.from(got)).to.deep.equal(Array.from(want));
  });

  it("im2col and col2im agree with the reference exactly (padding, strides, offsets, f64 and f32)", () => {
    const rng = new Rng(65);
    const geometries: [number, number, number, number, number, number, number, number, number][] = [
      // channels, height, width, kh, kw, sh, sw, ph, pw
      [3, 32, 32, 3, 3, 1, 1, 1, 1],
      [1, 5, 7, 3, 2, 2, 1, 0, 1],
      [2, 6, 5, 3, 3, 2, 2, 1, 1],
      [4, 9, 8, 5, 5, 1, 3, 2, 2],
      [1, 1, 1, 1, 1, 1, 1, 0, 0],
      [2, 3, 3, 3, 3, 1, 1, 2, 2],
      [3, 10, 11, 1, 1, 2, 3, 0, 0],
      [1, 4, 4, 5, 5, 1, 1, 1, 1],
    ];
    for (const f32 of [false, true]) {
      for (const [channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW] of geometries) {
        const outH = Math.floor((height + 2 * padH - kernelH) / strideH) + 1;
        const outW = Math.floor((width + 2 * padW - kernelW) / strideW) + 1;
        const g: ConvGeometry = { channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW, outH, outW };
        const what = JSON.stringify(g);
        const image = channels * height * width;
        const size = channels * kernelH * kernelW * outH * outW;
        const x = randomArray(3 + 2 * image, rng, f32);
        const want = randomArray(size + 2, rng, f32);
        const got = want.slice();
        referenceKernels.im2col(x, 3 + image, g, want);
        wasmKernels.im2col(x, 3 + image, g, got);
        expect(Array.from(got), `im2col ${what}`).to.deep.equal(Array.from(want));
        const cols = randomArray(size, rng, f32);
        const dxWant = randomArray(1 + 2 * image, rng, f32);
        const dxGot = dxWant.slice();
        referenceKernels.col2im(cols, g, dxWant, 1 + image);
        wasmKernels.col2im(cols, g, dxGot, 1 + image);
        expect(Array.from(dxGot), `col2im ${what}`).to.deep.equal(Array.from(dxWant));
      }
    }
  });

  it("the fused batch convolution matches the per-image loop (bias or not, strides, padding, n = 0), on one thread or two", () => {
    const rng = new Rng(67);
    setWasmThreads(true, true);
    setWasmAwaitWorkerForTests(true);
    try {
      // [n, channels, size, filters, kernel, stride, padding, bias]
      const cases: [number, number, number, number, number, number, number, boolean][] = [
        [5, 3, 32, 16, 3, 1, 1, true],
        [3, 4, 9, 6, 5, 2, 2, false],
        [2, 2, 7, 3, 1, 1, 0, true],
        [0, 3, 8, 4, 3, 1, 1, true],
      ];
      for (const f32 of [false, true]) {
        for (const [n, channels, size, F, kernel, stride, pad, bias] of cases) {
          const out = Math.floor((size + 2 * pad - kernel) / stride) + 1;
          const g: ConvGeometry = {
            channels,
            height: size,
            width: size,
            kernelH: kernel,
            kernelW: kernel,
            strideH: stride,
            strideW: stride,
            padH: pad,
            padW: pad,
            outH: out,
            outW: out,
          };
          const rows = channels * kernel * kernel;
          const x = randomArray(n * channels * size * size, rng, f32);
          const weight = randomArray(F * rows, rng, f32);
          const b = bias ? randomArray(F, rng, f32) : null;
          const dout = randomArray(n * F * out * out, rng, f32);
          const run = (fused: boolean): Storage[] => {
            const o = randomArray(n * F * out * out, rng, f32); // overwritten, whatever it held
            const [dW, db, dx] = [
              randomArray(F * rows, rng, f32),
              randomArray(F, rng, f32),
              randomArray(x.length, rng, f32),
            ];
            const workspace = randomArray(2 * rows * out * out, rng, f32);
            const fwd = { x, n, g, filters: F, weight, bias: b, out: o, workspace };
            const bwd = { x, n, g, filters: F, weight, dout, dWeight: dW, dBias: bias ? db : null, dx, workspace };
            if (fused) {
              setKernels(wasmKernels);
              try {
                expect(wasmConv2dForward(fwd), "the wasm forward ran").to.equal(true);
                expect(wasmConv2dBackward(bwd), "the wasm backward ran").to.equal(true);
              } finally {
                setKernels(null);
              }
            } else {
              conv2dForwardWith(referenceKernels, fwd);
              conv2dBackwardWith(referenceKernels, bwd);
            }
            return bias ? [o, dW, db, dx] : [o, dW, dx];
          };
          const want = run(false);
          const got = run(true);
          // Chunks of images are fixed by the batch, so one thread gives the same bits as two.
          setWasmThreads(false);
          const alone = run(true);
          setWasmThreads(true, true);
          alone.forEach((t, i) =>
            expect(Array.from(t), `one thread vs two, output ${i}`).to.deep.equal(Array.from(got[i]!)),
          );
          const what = `${f32 ? "f32" : "f64"} ${JSON.stringify({ n, F, bias, ...g })}`;
          const tol = f32 ? 2e-5 : 1e-12;
          got.forEach((t, i) => {
            const w = want[i]!;
            let scale = 1;
            for (let j = 0; j < w.length; j++) scale = Math.max(scale, Math.abs(w[j]!));
            for (let j = 0; j < w.length; j++) {
              if (!(Math.abs(t[j]! - w[j]!) <= tol * scale))
                expect.fail(`${what} output ${i} [${j}]: fused ${t[j]}, per-image ${w[j]}`);
            }
          });
        }
      }
    } finally {
      setWasmAwaitWorkerForTests(false);
    }
  });

  it("runs whole Linear and Conv2d forward/backward passes like the reference (setKernels)", () => {
    for (const dtype of ["float64", "float32"] as const) {
      const runAll = (): Tensor[] => {
        const rng = new Rng(66);
        const conv = new Conv2d(3, 8, 3, { padding: 1, stride: [1, 2], rng, dtype });
        const lin = new Linear(8 * 9 * 5, 10, { rng, dtype });
        const x = Tensor.randn([4, 3, 9, 10], rng, { dtype });
        const h = conv.forward(x);
        const flat = h.reshape([4, 8 * 9 * 5]);
        const y = lin.forward(flat);
        const dy = Tensor.randn(y.shape, rng, { dtype });
        const dflat = lin.backward(dy);
        const dx = conv.backward(dflat.reshape(h.shape));
        return [h, y, dflat, dx, lin.weight.grad, lin.bias!.grad, conv.weight.grad, conv.bias!.grad];
      };
      const want = runAll();
      const previous = setKernels(wasmKernels);
      let got: Tensor[];
      try {
        expect(kernels()).to.equal(wasmKernels);
        got = runAll();
      } finally {
        setKernels(null);
      }
      expect(previous).to.equal(referenceKernels);
      expect(kernels()).to.equal(referenceKernels);
      const tol = dtype === "float64" ? 1e-12 : 2e-5;
      const names = ["conv out", "linear out", "linear dx", "conv dx", "linear dW", "linear db", "conv dW", "conv db"];
      got.forEach((t, i) => {
        const w = want[i]!;
        expect(t.shape, names[i]).to.deep.equal(w.shape);
        expect(t.dtype, names[i]).to.equal(dtype);
        let scale = 1;
        for (let j = 0; j < w.size; j++) scale = Math.max(scale, Math.abs(w.data[j]!));
        for (let j = 0; j < w.size; j++) {
          if (!(Math.abs(t.data[j]! - w.data[j]!) <= tol * scale))
            expect.fail(`${dtype} ${names[i]}[${j}]: wasm ${t.data[j]}, reference ${w.data[j]}`);
        }
      });
    }
  });

  it("useWasmKernels activates the wasm kernels; setKernels(null) restores the reference", () => {
    try {
      expect(useWasmKernels()).to.equal(true);
      expect(kernels()).to.equal(wasmKernels);
      expect(
        Tensor.from([
          [1, 2],
          [3, 4],
        ])
          .matmul(
            Tensor.from([
              [5, 6],
              [7, 8],
            ]),
          )
          .toFlatArray(),
      ).to.deep.equal([19, 22, 43, 50]);
    } finally {
      setKernels(null);
    }
    expect(kernels()).to.equal(referenceKernels);
  });

  it("runs the module with fused multiply-adds where the engine accepts relaxed SIMD, and the plain SIMD128 one matches the reference too", function () {
    this.timeout(120000);
    // After the first use, the flag Node 20 needs is on: the FMA module validates exactly when it was chosen.
    const fmaBytes = readFileSync(join(__dirname, "..", "lib", "kernels", "kernels-fma.wasm"));
    const wasm = (globalThis as unknown as { WebAssembly: { validate(bytes: Uint8Array): boolean } }).WebAssembly;
    expect(wasmKernelsInfo().fma).to.equal(wasm.validate(fmaBytes));
    const r = spawnSync(process.execPath, ["-r", "tsx/cjs", join(__dirname, "helpers", "plain-simd-gemm.ts")], {
      cwd: join(__dirname, ".."),
      encoding: "utf8",
      env: { ...process.env, TSDL_WASM_FMA: "0" },
      timeout: 110000,
    });
    expect(r.status, r.stderr).to.equal(0);
    const info = JSON.parse(r.stdout) as { fma: boolean; joinedProducts: number };
    expect(info.fma).to.equal(false);
    expect(info.joinedProducts).to.be.above(0);
  });

  it("the committed kernels.wasm and kernels-fma.wasm (and the kit's) are exactly what wasm/build.js builds", function () {
    this.timeout(90000);
    const dir = mkdtempSync(join(tmpdir(), "kernels-wasm-"));
    try {
      const files = buildWasm(dir).map((f) => relative(dir, f).split(sep).join("/"));
      const committed: Record<string, string> = {
        "kernels.wasm": "lib/kernels/kernels.wasm",
        "kernels-fma.wasm": "lib/kernels/kernels-fma.wasm",
        "kit/kernels.wasm": "wasm/kit/kernels.wasm",
        "kit/kernels-fma.wasm": "wasm/kit/kernels-fma.wasm",
      };
      expect(files).to.deep.equal(Object.keys(committed));
      for (const file of files) {
        const built = readFileSync(join(dir, file));
        const saved = readFileSync(join(__dirname, "..", committed[file]!));
        expect(built.length, `${committed[file]} size`).to.equal(saved.length);
        expect(built.equals(saved), `${committed[file]} differs from a fresh build: run npm run build:wasm`).to.equal(
          true,
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
