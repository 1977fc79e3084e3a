// matmul_vec4: C = op(A) · B, all f32, row-major, for N a multiple of 4: B read and C written as
// vec4s. The GPU kernel for large products (src/kernels/kernels.ts); matmul_pipelined takes
// those it cannot (Bᵀ, or N not a multiple of 4).
//   op(A) is [M×K]: A stored [M×K], or with TRANS_A the transpose of A stored [K×M]
// Dispatch: (ceil(N / 128), ceil(M / 128), 1) workgroups of 256 threads. Each workgroup makes a
// 128×128 tile of C; thread t an 8×8 block (ty = t / 16, tx = t % 16: rows 8·ty … +7, columns
// 4·tx … +3 and 64 + 4·tx … +3) in sixteen named vec4 registers. K is staged in slabs of 8
// through two buffers of workgroup memory; each thread loads its part of the next slab into
// registers before it multiplies the current one, one barrier a slab (matmul_pipelined's scheme).
// Three things make it ~1.4× matmul_pipelined on an H100 under Dawn (BENCHMARKS.md, session 12;
// bench/matmul-tune.mjs times the forms side by side):
// - C written as whole vec4s. Under Dawn's robustness (Chrome's default) a store loop that
//   indexed the accumulator vector at run time (`v[i]`) cost ~15% at 4096³.
// - B's slab read as one vec4 a thread (four scalar loads and bounds checks before).
// - The two buffers' passes and their k steps written out (as a loop over k: 37.8 TFLOP/s against
//   43.4), over two-dimensional tiles whose first index is the slab row, a constant in each step
//   (no faster than one flat index in the measurements; it reads more plainly).
// Out-of-range reads are zero.

struct Sizes {
  M: u32,
  N: u32,
  K: u32,
}

@group(0) @binding(0) var<uniform> sizes: Sizes;
// A: [M×K], or [K×M] with TRANS_A
@group(0) @binding(1) var<storage, read> a: array<f32>;
// B: [K×N], N a multiple of 4
@group(0) @binding(2) var<storage, read> b: array<vec4<f32>>;
// C: [M×N], overwritten
@group(0) @binding(3) var<storage, read_write> c: array<vec4<f32>>;

// Read A as stored [K×M] (op(A) = Aᵀ).
override TRANS_A: bool = false;

const TILE = 128u;  // rows and columns of C per workgroup
const SLAB = 8u;    // K per staging step
const ROW = 32u;    // vec4s per k in a tile (TILE / 4)

// Row q·SLAB + k holds slab row k of buffer q: tileA[q·SLAB + k][r/4][r%4] = op(A)[row0 + r, k0 + k],
// tileB[q·SLAB + k][n/4][n%4] = B[k0 + k, col0 + n].
var<workgroup> tileA: array<array<vec4<f32>, ROW>, 16>;
var<workgroup> tileB: array<array<vec4<f32>, ROW>, 16>;

fn loadA(row: u32, k: u32) -> f32 {
  if (row >= sizes.M || k >= sizes.K) { return 0.0; }
  if (TRANS_A) { return a[k * sizes.M + row]; }
  return a[row * sizes.K + k];
}

// Thread t's part of op(A)'s slab at k0: rows 4·j … 4·j+3 at slab row k, one whole vec4 of tileA
// (one writer per vec4: threads writing different components of one vec4 would race). Without
// TRANS_A consecutive threads take consecutive k (k = t % 8, j = t / 8); with it, consecutive
// 4-row groups (j = t % 32, k = t / 32), so that a warp's loads are contiguous either way.
fn slotA(t: u32) -> vec2<u32> {
  if (TRANS_A) { return vec2<u32>(t / ROW, t % ROW); }
  return vec2<u32>(t % SLAB, t / SLAB);
}

fn fetchA(row0: u32, k0: u32, t: u32) -> vec4<f32> {
  let s = slotA(t);
  let k = k0 + s.x;
  let r = row0 + 4u * s.y;
  return vec4<f32>(loadA(r, k), loadA(r + 1u, k), loadA(r + 2u, k), loadA(r + 3u, k));
}

fn stashA(q: u32, t: u32, v: vec4<f32>) {
  let s = slotA(t);
  tileA[q * SLAB + s.x][s.y] = v;
}

// Thread t's part of B's slab at k0: columns 4·(t % 32) … +3 of slab row t / 32, one vec4.
fn fetchB(col0: u32, k0: u32, t: u32) -> vec4<f32> {
  let k = k0 + t / ROW;
  let n = col0 + 4u * (t % ROW);
  if (k >= sizes.K || n >= sizes.N) { return vec4<f32>(0.0); }
  return b[(k * sizes.N + n) / 4u];
}

fn stashB(q: u32, t: u32, v: vec4<f32>) {
  tileB[q * SLAB + t / ROW][t % ROW] = v;
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let row0 = wid.y * TILE;
  let col0 = wid.x * TILE;
  let tx = t % 16u;
  let ty = t / 16u;
  let ia = 2u * ty;  // rows 8·ty … +3 and 8·ty + 4 … +7: vec4s ia and ia + 1 of a slab row

  // accRC: row 8·ty + R, columns (C = 0: 4·tx …, C = 1: 64 + 4·tx …)
  var acc00 = vec4<f32>(0.0); var acc01 = vec4<f32>(0.0);
  var acc10 = vec4<f32>(0.0); var acc11 = vec4<f32>(0.0);
  var acc20 = vec4<f32>(0.0); var acc21 = vec4<f32>(0.0);
  var acc30 = vec4<f32>(0.0); var acc31 = vec4<f32>(0.0);
  var acc40 = vec4<f32>(0.0); var acc41 = vec4<f32>(0.0);
  var acc50 = vec4<f32>(0.0); var acc51 = vec4<f32>(0.0);
  var acc60 = vec4<f32>(0.0); var acc61 = vec4<f32>(0.0);
  var acc70 = vec4<f32>(0.0); var acc71 = vec4<f32>(0.0);

  let slabs = (sizes.K + SLAB - 1u) / SLAB;
  var nextA = fetchA(row0, 0u, t);
  var nextB = fetchB(col0, 0u, t);
  stashA(0u, t, nextA);
  stashB(0u, t, nextB);
  workgroupBarrier();
  // Two slabs an iteration: the first from buffer 0 (rows 0 … 7), the second from buffer 1 (rows
  // 8 … 15), each k step written out over its constant row (as a loop over k, the same kernel
  // made 37.8 TFLOP/s at 4096³ against 43.4). The next slab's reads are issued before the
  // arithmetic; the other buffer was last read before the barrier that ended the previous slab.
  for (var s = 0u; s < slabs; s += 2u) {
    if (s + 1u < slabs) {
      nextA = fetchA(row0, (s + 1u) * SLAB, t);
      nextB = fetchB(col0, (s + 1u) * SLAB, t);
    }
    // slab row k of buffer 0: rows 8·ty … +3 (a0), 8·ty + 4 … +7 (a1); columns 4·tx … +3 (b0), 64 + 4·tx … +3 (b1)
    { let a0 = tileA[0u][ia]; let a1 = tileA[0u][ia + 1u]; let b0 = tileB[0u][tx]; let b1 = tileB[0u][tx + 16u];
      acc00 += a0.x * b0; acc01 += a0.x * b1;
      acc10 += a0.y * b0; acc11 += a0.y * b1;
      acc20 += a0.z * b0; acc21 += a0.z * b1;
      acc30 += a0.w * b0; acc31 += a0.w * b1;
      acc40 += a1.x * b0; acc41 += a1.x * b1;
      acc50 += a1.y * b0; acc51 += a1.y * b1;
      acc60 += a1.z * b0; acc61 += a1.z * b1;
      acc70 += a1.w * b0; acc71 += a1.w * b1;
    }
    { let a0 = tileA[1u][ia]; let a1 = tileA[1u][ia + 1u]; let b0 = tileB[1u][tx]; let b1 = tileB[1u][tx + 16u];
      acc00 += a0.x * b0; acc01 += a0.x * b1;
      acc10 += a0.y * b0; acc11 += a0.y * b1;
      acc20 += a0.z * b0; acc21 += a0.z * b1;
      acc30 += a0.w * b0; acc31 += a0.w * b1;
      acc40 += a1.x * b0; acc41 += a1.x * b1;
      acc50 += a1.y * b0; acc51 += a1.y * b1;
      acc60 += a1.z * b0; acc61 += a1.z * b1;
      acc70 += a1.w * b0; acc71 += a1.w * b1;
    }
    { let a0 = tileA[2u][ia]; let a1 = tileA[2u][ia + 1u]; let b0 = tileB[2u][tx]; let b1 = tileB[2u][tx + 16u];
      acc00 += a0.x * b0; acc01 += a0.x * b1;
      acc10 += a0.y * b0; acc11 += a0.y * b1;
      acc20 += a0.z * b0; acc21 += a0.z * b1;
      acc30 += a0.w * b0; acc31 += a0.w * b1;
      acc40 += a1.x * b0; acc41 += a1.x * b1;
      acc50 += a1.y * b0; acc51 += a1.y * b1;
      acc60 += a1.z * b0; acc61 += a1.z * b1;
      acc70 += a1.w * b0; acc71 += a1.w * b1;
    }
    { let a0 = tileA[3u][ia]; let a1 = tileA[3u][ia + 1u]; let b0 = tileB[3u][tx]; let b1 = tileB[3u][tx + 16u];
      acc00 += a0.x * b0; acc01 += a0.x * b1;
      acc10 += a0.y * b0; acc11 += a0.y * b1;
      acc20 += a0.z * b0; acc21 += a0.z * b1;
      acc30 += a0.w * b0; acc31 += a0.w * b1;
      acc40 += a1.x * b0; acc41 += a1.x * b1;
      acc50 += a1.y * b0; acc51 += a1.y * b1;
      acc60 += a1.z * b0; acc61 += a1.z * b1;
      acc70 += a1.w * b0; acc71 += a1.w * b1;
    }
    { let a0 = tileA[4u][ia]; let a1 = tileA[4u][ia + 1u]; let b0 = tileB[4u][tx]; let b1 = tileB[4u][tx + 16u];
      acc00 += a0.x * b0; acc01 += a0.x * b1;
      acc10 += a0.y * b0; acc11 += a0.y * b1;
      acc20 += a0.z * b0; acc21 += a0.z * b1;
      acc30 += a0.w * b0; acc31 += a0.w * b1;
      acc40 += a1.x * b0; acc41 += a1.x * b1;
      acc50 += a1.y * b0; acc51 += a1.y * b1;
      acc60 += a1.z * b0; acc61 += a1.z * b1;
      acc70 += a1.w * b0; acc71 += a1.w * b1;
    }
    { let a0 = tileA[5u][ia]; let a1 = tileA[5u][ia + 1u]; let b0 = tileB[5u][tx]; let b1 = tileB[5u][tx + 16u];
      acc00 += a0.x * b0; acc01 += a0.x * b1;
      acc10 += a0.y * b0; acc11 += a0.y * b1;
      acc20 += a0.z * b0; acc21 += a0.z * b1;
      acc30 += a0.w * b0; acc31 += a0.w * b1;
      acc40 += a1.x * b0; acc41 += a1.x * b1;
      acc50 += a1.y * b0; acc51 += a1.y * b1;
      acc60 += a1.z * b0; acc61 += a1.z * b1;
      acc70 += a1.w * b0; acc71 += a1.w * b1;
    }
    { let a0 = tileA[6u][ia]; let a1 = tileA[6u][ia + 1u]; let b0 = tileB[6u][tx]; let b1 = tileB[6u][tx + 16u];
      acc00 += a0.x * b0; acc01 += a0.x * b1;
      acc10 += a0.y * b0; acc11 += a0.y * b1;
      acc20 += a0.z * b0; acc21 += a0.z * b1;
      acc30 += a0.w * b0; acc31 += a0.w * b1;
      acc40 += a1.x * b0; acc41 += a1.x * b1;
      acc50 += a1.y * b0; acc51 += a1.y * b1;
      acc60 += a1.z * b0; acc61 += a1.z * b1;
      acc70 += a1.w * b0; acc71 += a1.w * b1;
    }
    { let a0 = tileA[7u][ia]; let a1 = tileA[7u][ia + 1u]; let b0 = tileB[7u][tx]; let b1 = tileB[7u][tx + 16u];
      acc00 += a0.x * b0; acc01 += a0.x * b1;
      acc10 += a0.y * b0; acc11 += a0.y * b1;
      acc20 += a0.z * b0; acc21 += a0.z * b1;
      acc30 += a0.w * b0; acc31 += a0.w * b1;
      acc40 += a1.x * b0; acc41 += a1.x * b1;
      acc50 += a1.y * b0; acc51 += a1.y * b1;
      acc60 += a1.z * b0; acc61 += a1.z * b1;
      acc70 += a1.w * b0; acc71 += a1.w * b1;
    }
    if (s + 1u < slabs) {
      stashA(1u, t, nextA);
      stashB(1u, t, nextB);
    }
    workgroupBarrier();
    if (s + 1u >= slabs) { break; }
    if (s + 2u < slabs) {
      nextA = fetchA(row0, (s + 2u) * SLAB, t);
      nextB = fetchB(col0, (s + 2u) * SLAB, t);
    }
    // slab row k of buffer 1
    { let a0 = tileA[8u][ia]; let a1 = tileA[8u][ia + 1u]; let b0 = tileB[8u][tx]; let b1 = tileB[8u][tx + 16u];
      acc00 += a0.x * b0; acc01 += a0.x * b1;
      acc10 += a0.y * b0; acc11 += a0.y * b1;
      acc20 += a0.z * b0; acc21 += a0.z * b1;
      acc30 += a0.w * b0; acc31 += a0.w * b1;
      acc40 += a1.x * b0; acc41 += a1.x * b1;
      acc50 += a1.y * b0; acc51 += a1.y * b1;
      acc60 += a1.z * b0; acc61 += a1.z * b1;
      acc70 += a1.w * b0; acc71 += a1.w * b1;
    }
    { let a0 = tileA[9u][ia]; let a1 = tileA[9u][ia + 1u]; let b0 = tileB[9u][tx]; let b1 = tileB[9u][tx + 16u];
      acc00 += a0.x * b0; acc01 += a0.x * b1;
      acc10 += a0.y * b0; acc11 += a0.y * b1;
      acc20 += a0.z * b0; acc21 += a0.z * b1;
      acc30 += a0.w * b0; acc31 += a0.w * b1;
      acc40 += a1.x * b0; acc41 += a1.x * b1;
      acc50 += a1.y * b0; acc51 += a1.y * b1;
      acc60 += a1.z * b0; acc61 += a1.z * b1;
      acc70 += a1.w * b0; acc71 += a1.w * b1;
    }
    { let a0 = tileA[10u][ia]; let a1 = tileA[10u][ia + 1u]; let b0 = tileB[10u][tx]; let b1 = tileB[10u][tx + 16u];
      acc00 += a0.x * b0; acc01 += a0.x * b1;
      acc10 += a0.y * b0; acc11 += a0.y * b1;
      acc20 += a0.z * b0; acc21 += a0.z * b1;
      acc30 += a0.w * b0; acc31 += a0.w * b1;
      acc40 += a1.x * b0; acc41 += a1.x * b1;
      acc50 += a1.y * b0; acc51 += a1.y * b1;
      acc60 += a1.z * b0; acc61 += a1.z * b1;
      acc70 += a1.w * b0; acc71 += a1.w * b1;
    }
    { let a0 = tileA[11u][ia]; let a1 = tileA[11u][ia + 1u]; let b0 = tileB[11u][tx]; let b1 = tileB[11u][tx + 16u];
      acc00 += a0.x * b0; acc01 += a0.x * b1;
      acc10 += a0.y * b0; acc11 += a0.y * b1;
      acc20 += a0.z * b0; acc21 += a0.z * b1;
      acc30 += a0.w * b0; acc31 += a0.w * b1;
      acc40 += a1.x * b0; acc41 += a1.x * b1;
      acc50 += a1.y * b0; acc51 += a1.y * b1;
      acc60 += a1.z * b0; acc61 += a1.z * b1;
      acc70 += a1.w * b0; acc71 += a1.w * b1;
    }
    { let a0 = tileA[12u][ia]; let a1 = tileA[12u][ia + 1u]; let b0 = tileB[12u][tx]; let b1 = tileB[12u][tx + 16u];
      acc00 += a0.x * b0; acc01 += a0.x * b1;
      acc10 += a0.y * b0; acc11 += a0.y * b1;
      acc20 += a0.z * b0; acc21 += a0.z * b1;
      acc30 += a0.w * b0; acc31 += a0.w * b1;
      acc40 += a1.x * b0; acc41 += a1.x * b1;
      acc50 += a1.y * b0; acc51 += a1.y * b1;
      acc60 += a1.z * b0; acc61 += a1.z * b1;
      acc70 += a1.w * b0; acc71 += a1.w * b1;
    }
    { let a0 = tileA[13u][ia]; let a1 = tileA[13u][ia + 1u]; let b0 = tileB[13u][tx]; let b1 = tileB[13u][tx + 16u];
      acc00 += a0.x * b0; acc01 += a0.x * b1;
      acc10 += a0.y * b0; acc11 += a0.y * b1;
      acc20 += a0.z * b0; acc21 += a0.z * b1;
      acc30 += a0.w * b0; acc31 += a0.w * b1;
      acc40 += a1.x * b0; acc41 += a1.x * b1;
      acc50 += a1.y * b0; acc51 += a1.y * b1;
      acc60 += a1.z * b0; acc61 += a1.z * b1;
      acc70 += a1.w * b0; acc71 += a1.w * b1;
    }
    { let a0 = tileA[14u][ia]; let a1 = tileA[14u][ia + 1u]; let b0 = tileB[14u][tx]; let b1 = tileB[14u][tx + 16u];
      acc00 += a0.x * b0; acc01 += a0.x * b1;
      acc10 += a0.y * b0; acc11 += a0.y * b1;
      acc20 += a0.z * b0; acc21 += a0.z * b1;
      acc30 += a0.w * b0; acc31 += a0.w * b1;
      acc40 += a1.x * b0; acc41 += a1.x * b1;
      acc50 += a1.y * b0; acc51 += a1.y * b1;
      acc60 += a1.z * b0; acc61 += a1.z * b1;
      acc70 += a1.w * b0; acc71 += a1.w * b1;
    }
    { let a0 = tileA[15u][ia]; let a1 = tileA[15u][ia + 1u]; let b0 = tileB[15u][tx]; let b1 = tileB[15u][tx + 16u];
      acc00 += a0.x * b0; acc01 += a0.x * b1;
      acc10 += a0.y * b0; acc11 += a0.y * b1;
      acc20 += a0.z * b0; acc21 += a0.z * b1;
      acc30 += a0.w * b0; acc31 += a0.w * b1;
      acc40 += a1.x * b0; acc41 += a1.x * b1;
      acc50 += a1.y * b0; acc51 += a1.y * b1;
      acc60 += a1.z * b0; acc61 += a1.z * b1;
      acc70 += a1.w * b0; acc71 += a1.w * b1;
    }
    if (s + 2u < slabs) {
      stashA(0u, t, nextA);
      stashB(0u, t, nextB);
    }
    workgroupBarrier();
  }

  let row = row0 + ty * 8u;
  let c0 = col0 + tx * 4u;
  let c1 = c0 + TILE / 2u;
  store(row, c0, acc00); store(row, c1, acc01);
  store(row + 1u, c0, acc10); store(row + 1u, c1, acc11);
  store(row + 2u, c0, acc20); store(row + 2u, c1, acc21);
  store(row + 3u, c0, acc30); store(row + 3u, c1, acc31);
  store(row + 4u, c0, acc40); store(row + 4u, c1, acc41);
  store(row + 5u, c0, acc50); store(row + 5u, c1, acc51);
  store(row + 6u, c0, acc60); store(row + 6u, c1, acc61);
  store(row + 7u, c0, acc70); store(row + 7u, c1, acc71);
}

// Writes one 4-wide row segment of C where it lies inside C (N a multiple of 4: wholly or not at all).
fn store(row: u32, col: u32, v: vec4<f32>) {
  if (row >= sizes.M || col >= sizes.N) { return; }
  c[(row * sizes.N + col) / 4u] = v;
}
