// matmul_pipelined: C = op(A) · op(B), the same contract as matmul.wgsl, for large matrices.
//   op(A) is [M×K]: A stored [M×K], or with TRANS_A the transpose of A stored [K×M]
//   op(B) is [K×N]: B stored [K×N], or with TRANS_B the transpose of B stored [N×K]
// Dispatch: (ceil(N / 128), ceil(M / 128), 1) workgroups of 16×16 threads. Each workgroup makes a
// 128×128 tile of C; each thread an 8×8 block (rows 8·ty … +7, columns 4·tx … +3 and
// 64 + 4·tx … +3) in sixteen named vec4 registers. K is staged in slabs of 8 through two
// buffers of workgroup memory, and each thread loads its part of the next slab into registers
// before it multiplies the current one, so the global reads are in flight during the
// arithmetic and one barrier per slab suffices (a single buffer would need the reads to land
// first, and a second barrier before they could be overwritten).
// The host takes it on GPUs for products of 128 tiles of 128×128 and more that matmul_vec4 does
// not take (Bᵀ, or N not a multiple of 4; src/kernels/kernels.ts); the benchmarks time it beside
// the others. Out-of-range reads are zero.

struct Sizes {
  M: u32,
  N: u32,
  K: u32,
}

@group(0) @binding(0) var<uniform> sizes: Sizes;
// A: [M×K], or [K×M] with TRANS_A
@group(0) @binding(1) var<storage, read> a: array<f32>;
// B: [K×N], or [N×K] with TRANS_B
@group(0) @binding(2) var<storage, read> b: array<f32>;
// C: [M×N], overwritten
@group(0) @binding(3) var<storage, read_write> c: array<f32>;

// Read A as stored [K×M] (op(A) = Aᵀ).
override TRANS_A: bool = false;
// Read B as stored [N×K] (op(B) = Bᵀ).
override TRANS_B: bool = false;

const TILE = 128u;  // rows and columns of C per workgroup
const LANES = 16u;  // threads per edge of the workgroup
const SLAB = 8u;    // K per staging step: TILE·SLAB = 1024 values of each operand, 4 per thread
const ROW = 32u;    // vec4 slots per k in a tile (TILE / 4)
const HALF = 256u;  // vec4 slots per buffer (SLAB · ROW)

// Buffer q, slab row k: tileA[q·HALF + k·ROW + r/4][r%4] = op(A)[row0 + r, k0 + k]; tileB likewise over columns.
var<workgroup> tileA: array<vec4<f32>, 512>;
var<workgroup> tileB: array<vec4<f32>, 512>;

fn loadA(row: u32, k: u32) -> f32 {
  if (row >= sizes.M || k >= sizes.K) { return 0.0; }
  if (TRANS_A) { return a[k * sizes.M + row]; }
  return a[row * sizes.K + k];
}

fn loadB(k: u32, col: u32) -> f32 {
  if (k >= sizes.K || col >= sizes.N) { return 0.0; }
  if (TRANS_B) { return b[col * sizes.K + k]; }
  return b[k * sizes.N + col];
}

// Thread t's slot of op(A)'s slab at k0: rows 4·j … 4·j+3 of slab row k, one whole vec4 of
// tileA (one writer per vec4: threads writing different components of one vec4 would race,
// as WGSL lets a component's write touch the whole vector). Without TRANS_A consecutive
// threads take consecutive k (k = t % 8, j = t / 8: each load instruction of a warp reads 4
// rows × 8 consecutive k); with it, consecutive 4-row groups (j = t % 32, k = t / 32: each
// load instruction reads every 4th value; a thread's 4 loads together cover 128 consecutive).
fn slotA(t: u32) -> vec2<u32> {
  if (TRANS_A) { return vec2<u32>(t / 32u, t % 32u); }
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
  tileA[q * HALF + s.x * ROW + s.y] = v;
}

// Thread t's slot of op(B)'s slab at k0: columns 4·j … 4·j+3 of slab row k, likewise:
// without TRANS_B j = t % 32, k = t / 32; with it k = t % 8, j = t / 8.
fn slotB(t: u32) -> vec2<u32> {
  if (TRANS_B) { return vec2<u32>(t % SLAB, t / SLAB); }
  return vec2<u32>(t / 32u, t % 32u);
}

fn fetchB(col0: u32, k0: u32, t: u32) -> vec4<f32> {
  let s = slotB(t);
  let k = k0 + s.x;
  let n = col0 + 4u * s.y;
  return vec4<f32>(loadB(k, n), loadB(k, n + 1u), loadB(k, n + 2u), loadB(k, n + 3u));
}

fn stashB(q: u32, t: u32, v: vec4<f32>) {
  let s = slotB(t);
  tileB[q * HALF + s.x * ROW + s.y] = v;
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row0 = wid.y * TILE;
  let col0 = wid.x * TILE;
  let t = lid.y * LANES + lid.x;

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
  stashA(0u, t, fetchA(row0, 0u, t));
  stashB(0u, t, fetchB(col0, 0u, t));
  workgroupBarrier();
  for (var s = 0u; s < slabs; s++) {
    let q = s % 2u;
    let more = s + 1u < slabs;
    // The next slab's reads, issued before this slab's arithmetic.
    var nextA = vec4<f32>(0.0);
    var nextB = vec4<f32>(0.0);
    if (more) {
      nextA = fetchA(row0, (s + 1u) * SLAB, t);
      nextB = fetchB(col0, (s + 1u) * SLAB, t);
    }
    for (var k = 0u; k < SLAB; k++) {
      let base = q * HALF + k * ROW;
      let a0 = tileA[base + 2u * lid.y];          // rows 8·ty … +3
      let a1 = tileA[base + 2u * lid.y + 1u];     // rows 8·ty + 4 … +7
      let b0 = tileB[base + lid.x];               // columns 4·tx … +3
      let b1 = tileB[base + ROW / 2u + lid.x];    // columns 64 + 4·tx … +3
      acc00 += a0.x * b0; acc01 += a0.x * b1;
      acc10 += a0.y * b0; acc11 += a0.y * b1;
      acc20 += a0.z * b0; acc21 += a0.z * b1;
      acc30 += a0.w * b0; acc31 += a0.w * b1;
      acc40 += a1.x * b0; acc41 += a1.x * b1;
      acc50 += a1.y * b0; acc51 += a1.y * b1;
      acc60 += a1.z * b0; acc61 += a1.z * b1;
      acc70 += a1.w * b0; acc71 += a1.w * b1;
    }
    // The other buffer was last read in the previous slab, before the barrier that ended it.
    if (more) {
      stashA(1u - q, t, nextA);
      stashB(1u - q, t, nextB);
    }
    workgroupBarrier();
  }

  let row = row0 + lid.y * 8u;
  let c0 = col0 + lid.x * 4u;
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

// Writes the in-range part of one 4-wide row segment of C.
fn store(row: u32, col: u32, v: vec4<f32>) {
  if (row >= sizes.M) { return; }
  let base = row * sizes.N;
  for (var i = 0u; i < 4u; i++) {
    if (col + i < sizes.N) { c[base + col + i] = v[i]; }
  }
}
