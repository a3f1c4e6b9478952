// Column sums of a row-major matrix: a Linear layer's bias gradient, db = sum over the batch of dout.
// Bitwise lib/kernels/reference.ts's columnSumsReference: each column is summed in row order in the
// storage's type (a float32 partial sum is rounded on every add, as the JavaScript loop's store does).

// @ts-ignore: decorator
@inline function columnSums<T>(src: usize, rows: i32, cols: i32, dst: usize): void {
  memory.fill(dst, 0, <usize>cols * sizeof<T>());
  const step = 16 / sizeof<T>();
  for (let i = 0; i < rows; i++) {
    const row = src + <usize>i * <usize>cols * sizeof<T>();
    let j = 0;
    for (; j + step <= cols; j += step) {
      const o = <usize>j * sizeof<T>();
      v128.store(dst + o, v128.add<T>(v128.load(dst + o), v128.load(row + o)));
    }
    for (; j < cols; j++) {
      const o = <usize>j * sizeof<T>();
      store<T>(dst + o, load<T>(dst + o) + load<T>(row + o));
    }
  }
}

export function columnSumsF64(src: usize, rows: i32, cols: i32, dst: usize): void {
  columnSums<f64>(src, rows, cols, dst);
}

export function columnSumsF32(src: usize, rows: i32, cols: i32, dst: usize): void {
  columnSums<f32>(src, rows, cols, dst);
}
