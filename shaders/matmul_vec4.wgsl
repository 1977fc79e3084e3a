// matmul_vec4: C = A · B (neither transposed), all f32, row-major, for K and N multiples of 4.
// matmul_pipelined.wgsl's tiling, staging and register layout, with every global access a vec4:
// a thread's slab of A (4 consecutive k of one row), of B (4 consecutive columns of one k) and
// each 4-wide segment of C it stores are one 16-byte load or store instead of four, and the
// bounds checks are per vec4 (K and N multiples of 4 put a vec4 wholly inside or outside).
// A GPU candidate for large products, timed by the benchmarks beside the others
// (`fa-webgpu bench --matmul 4096`); src/kernels/kernels.ts says whether the host picks it.
// Its register layout is matmul_pipelined's; A's tile differs: it keeps A's layout (a row's 4
// consecutive k in one vec4, as loaded: one writer per vec4), and the inner loop takes 4 k at a
// time, transposing 8 rows' vec4s in registers. Once timed on a GPU, it either replaces
// matmul_pipelined where it fits or is deleted.
// Dispatch: (ceil(N / 128), ceil(M / 128), 1) workgroups of 16×16 threads; each thread makes an
// 8×8 block of C (rows 8·ty … +7, columns 4·tx … +3 and 64 + 4·tx … +3).

struct Sizes {
  M: u32,
  N: u32,
  K: u32,
}

@group(0) @binding(0) var<uniform> sizes: Sizes;
// A: [M×K], K a multiple of 4, read 4 columns at a time
@group(0) @binding(1) var<storage, read> a: array<vec4<f32>>;
// B: [K×N], N a multiple of 4
@group(0) @binding(2) var<storage, read> b: array<vec4<f32>>;
// C: [M×N], overwritten
@group(0) @binding(3) var<storage, read_write> c: array<vec4<f32>>;

const TILE = 128u;  // rows and columns of C per workgroup
const LANES = 16u;  // threads per edge of the workgroup
const SLAB = 8u;    // K per staging step: one vec4 of A and one of B per thread
const ROW = 32u;    // vec4 slots per k in a tile (TILE / 4)
const HALF = 256u;  // vec4 slots per buffer (SLAB · ROW)

// Buffer q: tileA[q·HALF + r·KQ + kq][i] = A[row0 + r, k0 + 4·kq + i] (a row's k in one vec4);
// tileB[q·HALF + k·ROW + n/4][n%4] = B[k0 + k, col0 + n].
const KQ = 2u;      // vec4 slots per row of A's tile (SLAB / 4)
var<workgroup> tileA: array<vec4<f32>, 512>;
var<workgroup> tileB: array<vec4<f32>, 512>;

// Thread t's part of A's slab at k0: row t / 2, columns k0 + 4·(t % 2) … +3 (zero outside A).
fn fetchA(row0: u32, k0: u32, t: u32) -> vec4<f32> {
  let r = row0 + t / 2u;
  let k = k0 + 4u * (t % 2u);
  if (r >= sizes.M || k >= sizes.K) { return vec4<f32>(0.0); }
  return a[(r * sizes.K + k) / 4u];
}

// Stored as loaded, whole: slot (t / 2)·KQ + t % 2 = t.
fn stashA(q: u32, t: u32, v: vec4<f32>) {
  tileA[q * HALF + t] = v;
}

// Thread t's part of B's slab at k0: row k0 + t / 32, columns 4·(t % 32) … +3 of the tile.
fn fetchB(col0: u32, k0: u32, t: u32) -> vec4<f32> {
  let k = k0 + t / 32u;
  let n = col0 + 4u * (t % 32u);
  if (k >= sizes.K || n >= sizes.N) { return vec4<f32>(0.0); }
  return b[(k * sizes.N + n) / 4u];
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
  tileB[t] = fetchB(col0, 0u, t);
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
    for (var kq = 0u; kq < KQ; kq++) {
      // rows 8·ty … +7, k = 4·kq … +3
      let ra = q * HALF + 8u * lid.y * KQ + kq;
      let r0 = tileA[ra]; let r1 = tileA[ra + KQ]; let r2 = tileA[ra + 2u * KQ]; let r3 = tileA[ra + 3u * KQ];
      let r4 = tileA[ra + 4u * KQ]; let r5 = tileA[ra + 5u * KQ]; let r6 = tileA[ra + 6u * KQ]; let r7 = tileA[ra + 7u * KQ];
      // k = 4·kq + 0: rows 8·ty … +3 and 8·ty + 4 … +7 from component x of each row's vec4
      {
        let a0 = vec4<f32>(r0.x, r1.x, r2.x, r3.x);
        let a1 = vec4<f32>(r4.x, r5.x, r6.x, r7.x);
        let base = q * HALF + (4u * kq + 0u) * ROW;
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
      // k = 4·kq + 1: rows 8·ty … +3 and 8·ty + 4 … +7 from component y of each row's vec4
      {
        let a0 = vec4<f32>(r0.y, r1.y, r2.y, r3.y);
        let a1 = vec4<f32>(r4.y, r5.y, r6.y, r7.y);
        let base = q * HALF + (4u * kq + 1u) * ROW;
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
      // k = 4·kq + 2: rows 8·ty … +3 and 8·ty + 4 … +7 from component z of each row's vec4
      {
        let a0 = vec4<f32>(r0.z, r1.z, r2.z, r3.z);
        let a1 = vec4<f32>(r4.z, r5.z, r6.z, r7.z);
        let base = q * HALF + (4u * kq + 2u) * ROW;
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
      // k = 4·kq + 3: rows 8·ty … +3 and 8·ty + 4 … +7 from component w of each row's vec4
      {
        let a0 = vec4<f32>(r0.w, r1.w, r2.w, r3.w);
        let a1 = vec4<f32>(r4.w, r5.w, r6.w, r7.w);
        let base = q * HALF + (4u * kq + 3u) * ROW;
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
    }
    // The other buffer was last read in the previous slab, before the barrier that ended it.
    if (more) {
      stashA(1u - q, t, nextA);
      tileB[(1u - q) * HALF + t] = nextB;
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

// Writes one 4-wide row segment of C where it lies inside C (N a multiple of 4: wholly or not at all).
fn store(row: u32, col: u32, v: vec4<f32>) {
  if (row >= sizes.M || col >= sizes.N) { return; }
  c[(row * sizes.N + col) / 4u] = v;
}
