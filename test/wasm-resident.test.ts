// Storage that lives in the wasm kernels' memory (parameters, gradients, optimizer state): allocated
// zeroed, used in place by gemm and the batch convolution with the same results as copied operands,
// and the elementwise kernels on it (the optimizer's finiteness check, the SGD update, ReLU, bias sums, zeroing, max pooling, BatchNorm) give exactly
// the reference's bits. The heap's size classes, reuse and refusal when the memory cannot grow.
import { expect } from "chai";
import { setKernels, type GemmArgs, type Kernels } from "../lib/kernels/kernels";
import { channelReduce, channelReduceReference } from "../lib/kernels/batchnorm";
import { columnSums, columnSumsReference, planeSumsReference } from "../lib/kernels/bias-grad";
import { allFinite, allFiniteReference } from "../lib/kernels/finite";
import type { ConvGeometry } from "../lib/kernels/interface";
import { maxPool, maxPoolBackward, maxPoolBackwardReference, maxPoolReference } from "../lib/kernels/pool";
import { referenceKernels } from "../lib/kernels/reference";
import { relu, reluBackward, reluBackwardReference, reluReference } from "../lib/kernels/relu";
import { sgdStep, sgdStepReference } from "../lib/kernels/sgd";
import { wasmChannelReduce } from "../lib/kernels/wasm/batchnorm";
import { wasmColumnSums } from "../lib/kernels/wasm/bias-grad";
import { wasmAllFinite, wasmSgdStep } from "../lib/kernels/wasm/elementwise";
import { WasmHeap } from "../lib/kernels/wasm/heap";
import { wasmMaxPool, wasmMaxPoolBackward } from "../lib/kernels/wasm/pool";
import { wasmRelu, wasmReluBackward } from "../lib/kernels/wasm/relu";
import {
  isWasmStorage,
  setWasmAwaitWorkerForTests,
  setWasmThreads,
  wasmKernels,
  wasmKernelsError,
  wasmKernelsInfo,
  wasmKernelsSupported,
} from "../lib/kernels/wasm/index";
import { Linear } from "../lib/layers/linear";
import { Conv2d } from "../lib/layers/conv2d";
import { BatchNorm1d, BatchNorm2d } from "../lib/layers/batchnorm";
import { SGD } from "../lib/optim/sgd";
import { Rng } from "../lib/random";
import type { DType, Storage } from "../lib/tensor/dtype";
import { StepArena, withArena } from "../lib/tensor/arena";
import { convGeometry } from "../lib/tensor/im2col";
import { Tensor } from "../lib/tensor/tensor";
import { randomArray } from "./helpers/gemm-case";

const DTYPES: DType[] = ["float64", "float32"];

/** The geometry of one channel's pooling windows (no padding). */
function poolGeometry(h: number, w: number, kh: number, kw: number, sh: number, sw: number): ConvGeometry {
  return convGeometry([1, h, w], { kernel: [kh, kw], stride: [sh, sw] });
}

/** A copy of `src` in the wasm memory. */
function resident(src: Storage): Storage {
  const s = wasmKernels.memory!.allocate(src instanceof Float64Array ? "float64" : "float32", src.length)!;
  s.set(src);
  return s;
}

function expectSameBits(got: Storage, want: Storage, what: string): void {
  expect(got.length, what).to.equal(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) expect.fail(`${what}[${i}]: ${got[i]} vs reference ${want[i]}`);
  }
}

describe("wasm kernels on storage in their own memory", function () {
  this.timeout(30000);

  before(function () {
    if (!wasmKernelsSupported()) throw new Error(`wasm kernels unavailable: ${wasmKernelsError()}`);
  });
  afterEach(() => {
    setKernels(null);
    setWasmThreads(true);
    setWasmAwaitWorkerForTests(false);
  });

  it("allocate gives zeroed storage of the right type and length in the memory, reusing freed blocks zeroed", () => {
    for (const dtype of DTYPES) {
      for (const n of [0, 1, 7, 1000, 100003]) {
        const s = wasmKernels.memory!.allocate(dtype, n)!;
        expect(s).to.be.instanceOf(dtype === "float64" ? Float64Array : Float32Array);
        expect(s.length).to.equal(n);
        expect(isWasmStorage(s), `${dtype} ${n}`).to.equal(true);
        expect(s.byteOffset % 64).to.equal(0);
        expect(s.every((v) => v === 0)).to.equal(true);
        s.fill(7);
      }
    }
    expect(isWasmStorage(new Float64Array(8))).to.equal(false);
  });

  it("Tensor.zerosForKernels, parameters and optimizer slots live in the memory under the wasm kernels only", () => {
    setKernels(wasmKernels);
    const lin = new Linear(5, 3, { rng: new Rng(1) });
    expect(lin.parameters().every((p) => isWasmStorage(p.value.data) && isWasmStorage(p.grad.data))).to.equal(true);
    const opt = new SGD(lin.parameters(), { lr: 0.1, momentum: 0.9 });
    for (const p of lin.parameters()) p.grad.data.fill(0.5);
    opt.step();
    const velocity = opt.state().slots;
    expect(Object.keys(velocity)).to.have.length(2);
    setKernels(null);
    expect(isWasmStorage(Tensor.zerosForKernels([3]).data)).to.equal(false);
    expect(isWasmStorage(new Linear(5, 3).weight.value.data)).to.equal(false);
  });

  it("a layer's initial weights do not depend on where they are stored", () => {
    const plain = new Linear(20, 7, { rng: new Rng(3), dtype: "float32" });
    setKernels(wasmKernels);
    const inMemory = new Linear(20, 7, { rng: new Rng(3), dtype: "float32" });
    expectSameBits(inMemory.weight.value.data, plain.weight.value.data, "W");
  });

  for (const threads of [false, true]) {
    it(`gemm with any mix of operands in the memory matches copied operands bit for bit (${threads ? "split with the worker" : "one thread"})`, () => {
      setWasmThreads(threads, true);
      setWasmAwaitWorkerForTests(threads);
      const rng = new Rng(5);
      for (const f32 of [false, true]) {
        for (const [m, n, k, transA, transB, beta] of [
          [9, 13, 7, false, true, 0.5],
          [64, 300, 130, true, false, 0],
          [130, 200, 90, false, false, 1],
        ] as const) {
          const aLen = m * k + 3,
            bLen = k * n + 2,
            cLen = m * n + 5;
          const base: GemmArgs = {
            transA,
            transB,
            m,
            n,
            k,
            alpha: 1.5,
            a: randomArray(aLen, rng, f32),
            aOffset: 3,
            lda: transA ? m : k,
            b: randomArray(bLen, rng, f32),
            bOffset: 2,
            ldb: transB ? k : n,
            beta,
            c: randomArray(cLen, rng, f32),
            cOffset: 5,
            ldc: n,
          };
          const want = base.c.slice();
          wasmKernels.gemm({ ...base, c: want });
          for (let mask = 1; mask < 8; mask++) {
            const a = mask & 1 ? resident(base.a) : base.a;
            const b = mask & 2 ? resident(base.b) : base.b;
            const c = mask & 4 ? resident(base.c) : base.c.slice();
            wasmKernels.gemm({ ...base, a, b, c });
            expectSameBits(c, want, `f32 ${f32} ${m}x${n}x${k} mask ${mask}`);
          }
          // And the product itself is the reference's within rounding.
          const ref = base.c.slice();
          referenceKernels.gemm({ ...base, c: ref });
          for (let i = 0; i < cLen; i++) expect(Math.abs(ref[i]! - want[i]!)).to.be.below(f32 ? 1e-3 : 1e-11);
        }
      }
    });
  }

  it("Linear and Conv2d with parameters in the memory give the same outputs and gradients as with ordinary arrays", () => {
    for (const dtype of DTYPES) {
      /** Builds the layers under `build` (where their parameters are stored), then runs them under the wasm kernels. */
      const run = (build: Kernels | null, inMemory: boolean): Tensor[] => {
        setKernels(build);
        const rng = new Rng(8);
        const conv = new Conv2d(2, 4, 3, { padding: 1, rng, dtype });
        const lin = new Linear(4 * 6 * 6, 5, { rng, dtype });
        setKernels(wasmKernels);
        expect(isWasmStorage(lin.weight.value.data)).to.equal(inMemory);
        expect(isWasmStorage(conv.weight.grad.data)).to.equal(inMemory);
        const x = Tensor.randn([3, 2, 6, 6], rng, { dtype });
        const h = conv.forward(x);
        const y = lin.forward(h.reshape([3, 4 * 6 * 6]));
        const dh = lin.backward(Tensor.randn(y.shape, rng, { dtype }));
        const dx = conv.backward(dh.reshape(h.shape));
        return [h, y, dh, dx, lin.weight.grad, lin.bias!.grad, conv.weight.grad, conv.bias!.grad];
      };
      setWasmThreads(false);
      const copied = run(null, false);
      const inMemory = run(wasmKernels, true);
      inMemory.forEach((t, i) => expectSameBits(t.data, copied[i]!.data, `${dtype} tensor ${i}`));
    }
  });

  for (const threads of [false, true]) {
    it(`the batch convolution's backward without dx gives the same dW and db (${threads ? "split with the worker" : "one thread"})`, () => {
      setKernels(wasmKernels);
      setWasmThreads(threads, true);
      setWasmAwaitWorkerForTests(threads);
      for (const dtype of DTYPES) {
        const rng = new Rng(9);
        const conv = new Conv2d(3, 16, 3, { padding: 1, rng, dtype });
        const x = Tensor.randn([24, 3, 12, 12], rng, { dtype });
        const out = conv.forward(x);
        const dout = Tensor.randn(out.shape, rng, { dtype });
        expect(conv.backward(dout).shape).to.deep.equal(x.shape);
        const dW = conv.weight.grad.data.slice(),
          db = conv.bias!.grad.data.slice();
        conv.weight.grad.fill(NaN);
        conv.inputGrad = false;
        conv.forward(x);
        expect(conv.backward(dout).shape).to.deep.equal([0]);
        expectSameBits(conv.weight.grad.data, dW, `${dtype} dW`);
        expectSameBits(conv.bias!.grad.data, db, `${dtype} db`);
      }
    });
  }

  for (const threads of [false, true]) {
    it(`a convolution's bias gradient in the memory is bitwise planeSums (odd planes, ${threads ? "shared with the worker" : "one thread"})`, () => {
      setKernels(wasmKernels);
      setWasmThreads(threads, true);
      setWasmAwaitWorkerForTests(threads);
      // 16 x 8 planes of 23 x 23 = 67712 entries: enough to be shared; 2 x 3 planes of 7 x 7 are not.
      for (const [n, F, size] of [
        [2, 3, 7],
        [16, 8, 23],
      ] as const) {
        for (const dtype of DTYPES) {
          const rng = new Rng(16);
          const conv = new Conv2d(2, F, 3, { padding: 1, rng, dtype });
          const x = Tensor.randn([n, 2, size, size], rng, { dtype });
          const out = conv.forward(x);
          const dout = Tensor.randn(out.shape, rng, { dtype });
          const before = wasmKernelsInfo().joinedProducts;
          conv.backward(dout);
          const want = dtype === "float64" ? new Float64Array(F) : new Float32Array(F);
          planeSumsReference(dout.data, n, F, size * size, want);
          expectSameBits(conv.bias!.grad.data, want, `${dtype} ${n}x${F}x${size}x${size} db`);
          if (threads && n === 16)
            expect(
              wasmKernelsInfo().joinedProducts - before,
              "the worker joined the convolution and the sums",
            ).to.equal(2);
        }
      }
    });
  }

  it("allFinite on storage in the memory agrees with the reference for NaN, +-Inf and -0 at every position", () => {
    setKernels(wasmKernels);
    for (const dtype of DTYPES) {
      for (const n of [0, 1, 3, 4, 5, 8, 9, 17, 33]) {
        const s = wasmKernels.memory!.allocate(dtype, n)!;
        for (let i = 0; i < n; i++) s[i] = (i % 3) - 1.25;
        expect(wasmAllFinite(s), `${dtype} n=${n} finite`).to.equal(true);
        for (let at = 0; at < n; at++) {
          for (const bad of [NaN, Infinity, -Infinity]) {
            const keep = s[at]!;
            s[at] = bad;
            expect(wasmAllFinite(s), `${dtype} n=${n} ${bad} at ${at}`).to.equal(false);
            expect(allFiniteReference(s)).to.equal(false);
            s[at] = keep;
          }
        }
        if (n > 0) {
          s[n - 1] = -0;
          expect(wasmAllFinite(s)).to.equal(true);
        }
      }
    }
    // Storage outside the memory goes to the plain loop.
    expect(wasmAllFinite(Float64Array.of(1, NaN))).to.equal(null);
    expect(allFinite(Float64Array.of(1, NaN))).to.equal(false);
    expect(allFinite(Float32Array.of(1, 2, 3))).to.equal(true);
  });

  it("the SGD update in the memory gives exactly the reference's bits (plain, decay, momentum, Nesterov; f64 and f32)", () => {
    setKernels(wasmKernels);
    const rng = new Rng(11);
    const settings = [
      { momentum: 0, weightDecay: 0, nesterov: false },
      { momentum: 0, weightDecay: 5e-4, nesterov: false },
      { momentum: 0.9, weightDecay: 0, nesterov: false },
      { momentum: 0.9, weightDecay: 1e-3, nesterov: false },
      { momentum: 0.85, weightDecay: 1e-3, nesterov: true },
    ];
    for (const f32 of [false, true]) {
      for (const n of [1, 2, 3, 5, 8, 11, 1001]) {
        for (const s of settings) {
          const w = randomArray(n, rng, f32),
            g = randomArray(n, rng, f32),
            v = randomArray(n, rng, f32);
          const rw = resident(w),
            rg = resident(g),
            rv = resident(v);
          for (let step = 0; step < 3; step++) {
            const lr = 0.037 * (step + 1);
            sgdStepReference({ w, g, v: s.momentum === 0 ? null : v, lr, ...s });
            expect(wasmSgdStep({ w: rw, g: rg, v: s.momentum === 0 ? null : rv, lr, ...s })).to.equal(true);
          }
          const what = `f32 ${f32} n=${n} ${JSON.stringify(s)}`;
          expectSameBits(rw, w, `${what} w`);
          if (s.momentum !== 0) expectSameBits(rv, v, `${what} v`);
        }
      }
    }
  });

  it("a large SGD update shared with the worker thread gives the same bits (odd lengths, every mode)", () => {
    const rng = new Rng(12);
    setKernels(wasmKernels);
    setWasmThreads(true, true);
    setWasmAwaitWorkerForTests(true);
    try {
      for (const f32 of [false, true]) {
        for (const n of [1 << 16, (1 << 17) + 13]) {
          for (const s of [
            { momentum: 0, weightDecay: 0, nesterov: false },
            { momentum: 0, weightDecay: 1e-3, nesterov: false },
            { momentum: 0.9, weightDecay: 1e-3, nesterov: true },
          ]) {
            const w = randomArray(n, rng, f32),
              g = randomArray(n, rng, f32),
              v = randomArray(n, rng, f32);
            const rw = resident(w),
              rg = resident(g),
              rv = resident(v);
            const before = wasmKernelsInfo().joinedProducts;
            for (let step = 0; step < 2; step++) {
              sgdStepReference({ w, g, v: s.momentum === 0 ? null : v, lr: 0.05, ...s });
              expect(wasmSgdStep({ w: rw, g: rg, v: s.momentum === 0 ? null : rv, lr: 0.05, ...s })).to.equal(true);
            }
            expect(wasmKernelsInfo().joinedProducts - before, "the worker took part").to.equal(2);
            const what = `shared, f32 ${f32} n=${n} ${JSON.stringify(s)}`;
            expectSameBits(rw, w, `${what} w`);
            if (s.momentum !== 0) expectSameBits(rv, v, `${what} v`);
          }
        }
      }
    } finally {
      setWasmAwaitWorkerForTests(false);
      setWasmThreads(false);
    }
  });

  it("ReLU forward and backward in the memory give exactly the reference's bits (NaN, +-0, +-Inf, tails)", () => {
    setKernels(wasmKernels);
    const rng = new Rng(13);
    const special = [NaN, 0, -0, Infinity, -Infinity, 1e-310, -1e-310, 3.5, -2.25];
    for (const f32 of [false, true]) {
      for (const n of [0, 1, 2, 3, 4, 5, 7, 8, 9, 33, 1000]) {
        const x = randomArray(n, rng, f32),
          dout = randomArray(n, rng, f32);
        // Every special value against every other, in both arrays, at positions the vector loop and the tail both reach.
        for (let i = 0; i < n; i++) {
          if (i % 3 === 0) x[i] = special[(i / 3) % special.length]!;
          if (i % 2 === 0) dout[i] = special[Math.floor(i / 2 / special.length + i / 2) % special.length]!;
        }
        const out = f32 ? new Float32Array(n) : new Float64Array(n),
          dx = out.slice();
        reluReference(x, out);
        reluBackwardReference(x, dout, dx);
        const rx = resident(x),
          rd = resident(dout),
          rOut = resident(out.map(() => 7)),
          rDx = resident(dx.map(() => 7));
        expect(wasmRelu(rx, rOut)).to.equal(true);
        expect(wasmReluBackward(rx, rd, rDx)).to.equal(true);
        expectSameBits(rOut, out, `f32 ${f32} n=${n} relu`);
        expectSameBits(rDx, dx, `f32 ${f32} n=${n} relu backward`);
      }
    }
    // The reference itself: NaN and -0 give +0 forward; the mask multiplies, so dout's sign survives.
    const out = new Float64Array(4),
      dx = new Float64Array(4);
    reluReference(Float64Array.of(NaN, -0, -3, 2), out);
    expectSameBits(out, Float64Array.of(0, 0, 0, 2), "reference relu");
    reluBackwardReference(Float64Array.of(-1, 1, -1, 0), Float64Array.of(-5, -5, NaN, 4), dx);
    expectSameBits(dx, Float64Array.of(-0, -5, NaN, 0), "reference relu backward");
  });

  it("ReLU on ordinary arrays (or a mix) falls back to the reference; mismatched lengths are refused", () => {
    setKernels(wasmKernels);
    const rng = new Rng(14);
    const x = randomArray(11, rng, true),
      dout = randomArray(11, rng, true);
    const want = new Float32Array(11),
      wantDx = new Float32Array(11);
    reluReference(x, want);
    reluBackwardReference(x, dout, wantDx);
    const out = resident(new Float32Array(11)),
      dx = new Float32Array(11);
    expect(wasmRelu(x, out)).to.equal(false);
    relu(x, out);
    reluBackward(resident(x), dout, dx);
    expectSameBits(out, want, "relu from an ordinary array");
    expectSameBits(dx, wantDx, "relu backward into an ordinary array");
    expect(() => relu(resident(x), resident(new Float32Array(10)))).to.throw(
      "relu: arrays of 11 and 10 entries (they must match)",
    );
    expect(() => reluBackward(x, dout, new Float32Array(12))).to.throw(
      "reluBackward: arrays of 11 and 12 entries (they must match)",
    );
  });

  it("column sums (a bias gradient) in the memory give exactly the reference's bits, and fall back off it", () => {
    setKernels(wasmKernels);
    const rng = new Rng(15);
    for (const f32 of [false, true]) {
      for (const [rows, cols] of [
        [0, 5],
        [1, 1],
        [3, 7],
        [64, 10],
        [64, 256],
        [5, 33],
      ] as const) {
        const src = randomArray(rows * cols, rng, f32);
        if (src.length > 3) {
          src[1] = -0;
          src[2] = 1e30;
        }
        const want = f32 ? new Float32Array(cols) : new Float64Array(cols);
        columnSumsReference(src, rows, cols, want);
        const got = resident(want.map(() => 9));
        expect(wasmColumnSums(resident(src), rows, cols, got)).to.equal(true);
        expectSameBits(got, want, `f32 ${f32} ${rows}x${cols}`);
        const plain = want.map(() => 9);
        columnSums(src, rows, cols, plain);
        expectSameBits(plain, want, `f32 ${f32} ${rows}x${cols} off the memory`);
      }
    }
    // The reference adds in the storage's type: float32 partial sums round on every add.
    const sum = new Float32Array(1);
    columnSumsReference(Float32Array.of(1, 2 ** -24, 2 ** -24), 3, 1, sum);
    expect(sum[0]).to.equal(1);
    expect(() => columnSums(resident(new Float32Array(6)), 3, 3, resident(new Float32Array(3)))).to.throw(
      "columnSums: 3x3 needs 9 source and 3 destination entries, got 6 and 3",
    );
  });

  it("fillZero zeroes storage in the memory (and ordinary arrays) and nothing around it", () => {
    for (const dtype of DTYPES) {
      const s = wasmKernels.memory!.allocate(dtype, 21)!;
      s.fill(5);
      const mid = s.subarray(3, 17);
      wasmKernels.memory!.fillZero(mid);
      expect(Array.from(s)).to.deep.equal([5, 5, 5, ...new Array(14).fill(0), 5, 5, 5, 5]);
      const plain = dtype === "float64" ? new Float64Array(4).fill(2) : new Float32Array(4).fill(2);
      wasmKernels.memory!.fillZero(plain);
      expect(Array.from(plain)).to.deep.equal([0, 0, 0, 0]);
    }
  });

  it("max pooling in the memory gives the reference's values and argmax, ties to the first pixel (2x2 SIMD path and others)", () => {
    const rng = new Rng(17);
    // [planes, h, w, kh, kw, sh, sw]: 2x2/2 with widths that leave SIMD tails and an odd height; overlapping and 3x3 windows.
    const cases = [
      [3, 8, 16, 2, 2, 2, 2],
      [2, 7, 22, 2, 2, 2, 2],
      [2, 4, 4, 2, 2, 2, 2],
      [2, 6, 9, 2, 2, 1, 1],
      [1, 9, 11, 3, 3, 2, 2],
      [2, 5, 8, 1, 2, 1, 2],
    ] as const;
    setKernels(wasmKernels);
    for (const f32 of [false, true]) {
      for (const [planes, h, w, kh, kw, sh, sw] of cases) {
        const x = randomArray(planes * h * w, rng, f32);
        // Small integers make ties common (and -0 against 0 a tie).
        for (let i = 0; i < x.length; i++) x[i] = Math.round(x[i]! * 1.5);
        x[0] = -0;
        const outH = Math.floor((h - kh) / sh) + 1,
          outW = Math.floor((w - kw) / sw) + 1,
          count = planes * outH * outW;
        const args = { n: planes, g: poolGeometry(h, w, kh, kw, sh, sw) };
        const want = f32 ? new Float32Array(count) : new Float64Array(count),
          wantArg = new Int32Array(count);
        maxPoolReference({ ...args, x, out: want, argmax: wantArg });
        const got = resident(want.map(() => 9)),
          arg = resident(new Float32Array(count));
        const gotArg = new Int32Array(arg.buffer, arg.byteOffset, count);
        expect(wasmMaxPool({ ...args, x: resident(x), out: got, argmax: gotArg })).to.equal(true);
        const what = `f32 ${f32} ${JSON.stringify(args)}`;
        expectSameBits(got, want, `${what} out`);
        expect(Array.from(gotArg), `${what} argmax`).to.deep.equal(Array.from(wantArg));
        // Backward: overlapping windows add into the same pixel, in order.
        const dout = randomArray(count, rng, f32);
        const wantDx = f32 ? new Float32Array(x.length) : new Float64Array(x.length);
        maxPoolBackwardReference(wantArg, dout, wantDx);
        const gotDx = resident(wantDx.map(() => 0));
        expect(wasmMaxPoolBackward(gotArg, resident(dout), gotDx)).to.equal(true);
        expectSameBits(gotDx, wantDx, `${what} dx`);
      }
    }
  });

  it("max pooling off the memory falls back to the reference; the backward skips indices outside dx as a typed array does", () => {
    setKernels(wasmKernels);
    const x = Float64Array.of(1, 5, 2, 2, 7, 0, 7, 3);
    const out = new Float64Array(2),
      argmax = new Int32Array(2);
    maxPool({ x, n: 2, g: poolGeometry(2, 2, 2, 2, 2, 2), out, argmax });
    expect(Array.from(out)).to.deep.equal([5, 7]);
    expect(Array.from(argmax)).to.deep.equal([1, 4]);
    const idx = resident(new Float32Array(3));
    const bad = new Int32Array(idx.buffer, idx.byteOffset, 3);
    bad.set([-1, 2, 4]);
    const dx = resident(new Float64Array(4));
    expect(wasmMaxPoolBackward(bad, resident(Float64Array.of(10, 20, 30)), dx)).to.equal(true);
    expect(Array.from(dx)).to.deep.equal([0, 0, 20, 0]);
    const plainDx = new Float64Array(4);
    maxPoolBackward(Int32Array.of(1, 2, 1), Float64Array.of(10, 20, 5), plainDx);
    expect(Array.from(plainDx)).to.deep.equal([0, 15, 20, 0]);
  });

  it("BatchNorm1d/2d in the memory give the reference kernels' bits: outputs, dx, dgamma, dbeta and running statistics", () => {
    // [layer, input shape]: planes of 35 (a tail of 3 after the 4-way sums), 1 (BatchNorm1d) and 64.
    const cases = [
      [2, [3, 2, 5, 7]],
      [1, [6, 5]],
      [2, [4, 3, 8, 8]],
    ] as const;
    for (const dtype of DTYPES) {
      for (const [rank, shape] of cases) {
        // In a step arena, so that under the wasm kernels x, dout and the layer's outputs live in their memory.
        const run = (k: Kernels): Storage[] =>
          withArena(new StepArena(), () => {
            setKernels(k);
            const rng = new Rng(18);
            const bn = rank === 2 ? new BatchNorm2d(shape[1], { dtype }) : new BatchNorm1d(shape[1], { dtype });
            bn.gamma.value.data.set(randomArray(shape[1], rng).map((v) => 1 + v / 4));
            bn.beta.value.data.set(randomArray(shape[1], rng));
            const x = Tensor.randn([...shape], rng, { dtype })
              .mulInPlace(3)
              .addInPlace(1);
            const dout = Tensor.randn([...shape], rng, { dtype });
            expect(isWasmStorage(x.data) && isWasmStorage(dout.data)).to.equal(k === wasmKernels);
            const out = bn.forward(x).data.slice(),
              dx = bn.backward(dout).data.slice();
            bn.eval();
            const evalOut = bn.forward(x).data.slice(),
              evalDx = bn.backward(dout).data.slice();
            return [
              out,
              dx,
              bn.gamma.grad.data.slice(),
              bn.beta.grad.data.slice(),
              bn.runningMean.data.slice(),
              bn.runningVar.data.slice(),
              evalOut,
              evalDx,
            ];
          });
        const want = run(referenceKernels),
          got = run(wasmKernels);
        const names = ["out", "dx", "dgamma", "dbeta", "runningMean", "runningVar", "eval out", "eval dx"];
        names.forEach((name, i) => expectSameBits(got[i]!, want[i]!, `${dtype} ${JSON.stringify(shape)} ${name}`));
      }
    }
  });

  it("BatchNorm's per-channel sums in the memory are the reference's (sum, squared deviation, product), and fall back off it", () => {
    const rng = new Rng(19);
    setKernels(wasmKernels);
    for (const f32 of [false, true]) {
      const [n, C, inner] = [3, 4, 13];
      const a = randomArray(n * C * inner, rng, f32),
        b = randomArray(n * C * inner, rng, f32);
      const mean = Float64Array.from(randomArray(C, rng));
      for (const [term, bb, mu] of [
        ["sum", null, null],
        ["squaredDeviation", null, mean],
        ["product", b, null],
      ] as const) {
        const want = new Float64Array(C),
          got = new Float64Array(C),
          plain = new Float64Array(C);
        channelReduceReference({ term, a, b: bb, mean: mu, n, C, inner, out: want });
        const ran = wasmChannelReduce({
          term,
          a: resident(a),
          b: bb === null ? null : resident(bb),
          mean: mu,
          n,
          C,
          inner,
          out: got,
        });
        expect(ran).to.equal(true);
        channelReduce({ term, a, b: bb, mean: mu, n, C, inner, out: plain });
        expectSameBits(got, want, `f32 ${f32} ${term}`);
        expectSameBits(plain, want, `f32 ${f32} ${term} off the memory`);
      }
    }
    expect(() =>
      channelReduceReference({
        term: "product",
        a: new Float64Array(4),
        b: null,
        mean: null,
        n: 1,
        C: 1,
        inner: 4,
        out: new Float64Array(1),
      }),
    ).to.throw('channelReduce: "product" needs b');
  });

  it("the SGD update on ordinary arrays (or a mix) falls back to the reference with the same bits", () => {
    const rng = new Rng(12);
    const w = randomArray(10, rng),
      g = randomArray(10, rng),
      v = randomArray(10, rng);
    const want = w.slice(),
      wantV = v.slice();
    sgdStepReference({ w: want, g, v: wantV, lr: 0.1, momentum: 0.5, weightDecay: 0.01, nesterov: true });
    setKernels(wasmKernels);
    const rw = resident(w);
    sgdStep({ w: rw, g, v, lr: 0.1, momentum: 0.5, weightDecay: 0.01, nesterov: true });
    expectSameBits(rw, want, "w");
    expectSameBits(v, wantV, "v");
    expect(() =>
      sgdStep({ w: rw, g: g.subarray(1), v: null, lr: 0.1, momentum: 0, weightDecay: 0, nesterov: false }),
    ).to.throw("sgdStep: weights have 10 entries, gradient 9");
  });

  it("training an MLP with SGD + momentum gives the same weights with parameters in the memory as with the reference kernels", () => {
    for (const dtype of DTYPES) {
      const train = (): Storage[] => {
        const rng = new Rng(21);
        const l1 = new Linear(12, 16, { rng, dtype });
        const l2 = new Linear(16, 3, { rng, dtype });
        const params = [...l1.parameters(), ...l2.parameters()].map((p, i) => ({ ...p, name: `${i}` }));
        const opt = new SGD(params, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 });
        for (let step = 0; step < 5; step++) {
          const x = Tensor.randn([8, 12], rng, { dtype });
          const h = l1.forward(x);
          const y = l2.forward(h);
          l1.backward(l2.backward(y.mul(0.1)));
          opt.step();
        }
        return params.map((p) => p.value.data);
      };
      const want = train();
      setKernels(wasmKernels);
      setWasmThreads(false);
      const got = train();
      setKernels(null);
      // gemm accumulates in a different order than the reference, so compare within rounding.
      got.forEach((g, i) => {
        for (let j = 0; j < g.length; j++)
          expect(Math.abs(g[j]! - want[i]![j]!), `${dtype} param ${i}[${j}]`).to.be.below(
            dtype === "float64" ? 1e-12 : 1e-5,
          );
      });
    }
  });
});

describe("WasmHeap", () => {
  it("hands out 64-byte aligned power-of-two blocks, reuses a released block of the same class, and refuses past the limit", () => {
    let limit = 1 << 16;
    const heap = new WasmHeap(100, (end) => end <= limit);
    const a = heap.alloc(1)!;
    expect(a).to.deep.equal({ ptr: 128, cls: 6 });
    const b = heap.alloc(65)!;
    expect(b).to.deep.equal({ ptr: 192, cls: 7 });
    const c = heap.alloc(4096)!;
    expect(c.ptr).to.equal(320);
    expect(c.cls).to.equal(12);
    expect(heap.liveBytes).to.equal(64 + 128 + 4096);
    heap.release(b);
    expect(heap.alloc(100)!.ptr).to.equal(192);
    expect(heap.alloc(100)!.ptr).to.equal(320 + 4096);
    expect(heap.alloc(1 << 16)).to.equal(null);
    limit = 1 << 20;
    expect(heap.alloc(1 << 16)!.ptr).to.equal(320 + 4096 + 128);
    expect(heap.end).to.equal(320 + 4096 + 128 + (1 << 16));
  });
});
