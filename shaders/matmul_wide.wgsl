// matmul_wide: C = op(A) · op(B), the same contract as matmul.wgsl, for larger matrices.
//   op(A) is [M×K]: A stored [M×K], or with TRANS_A the transpose of A stored [K×M]
//   op(B) is [K×N]: B stored [K×N], or with TRANS_B the transpose of B stored [N×K]
// Dispatch: (ceil(N / TILE), ceil(M / TILE), 1) workgroups of LANES×LANES threads, TILE = 8·LANES.
// Each workgroup makes a TILE×TILE tile of C; each thread an 8×8 block: rows 8·ty … 8·ty+7,
// columns 4·tx … 4·tx+3 and TILE/2 + 4·tx … +3, held in sixteen named vec4 registers. K is
// walked in slabs of SLAB staged through workgroup memory; out-of-range reads are zero.
// Two GPU candidates, timed by the benchmarks beside the others and not yet picked by the host
// (src/kernels/kernels.ts says why):
//   matmul_wide (the defaults): 64×64 tiles, 8×8 threads, slabs of 16. Twice the work per
//     shared-memory read of matmul.wgsl's 4×4 blocks.
//   matmul_big (TILE 128, LANES 16, SLAB 8): 128×128 tiles, the tile of the kernel that reached
//     31.7 TFLOP/s under Dawn on an H100 (../shared/gpu/README.md), with named registers so
//     that wgpu keeps them too.

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

// Rows and columns of C per workgroup: 8·LANES.
override TILE: u32 = 64u;
// Threads per edge of the workgroup.
override LANES: u32 = 8u;
// K per staging step.
override SLAB: u32 = 16u;
// Derived, not to be set: vec4 slots per k in a tile, and threads per workgroup.
override ROW: u32 = TILE / 4u;
override THREADS: u32 = LANES * LANES;

// tileA[k][r] = op(A)[row0 + r, k0 + k] as vec4 over r; tileB[k][n] likewise over columns.
var<workgroup> tileA: array<vec4<f32>, SLAB * TILE / 4u>;
var<workgroup> tileB: array<vec4<f32>, SLAB * TILE / 4u>;

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

@compute @workgroup_size(LANES, LANES)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row0 = wid.y * TILE;
  let col0 = wid.x * TILE;
  let t = lid.y * LANES + lid.x;

  // accRC: row 8·ty + R, columns (C = 0: 4·tx …, C = 1: TILE/2 + 4·tx …)
  var acc00 = vec4<f32>(0.0); var acc01 = vec4<f32>(0.0);
  var acc10 = vec4<f32>(0.0); var acc11 = vec4<f32>(0.0);
  var acc20 = vec4<f32>(0.0); var acc21 = vec4<f32>(0.0);
  var acc30 = vec4<f32>(0.0); var acc31 = vec4<f32>(0.0);
  var acc40 = vec4<f32>(0.0); var acc41 = vec4<f32>(0.0);
  var acc50 = vec4<f32>(0.0); var acc51 = vec4<f32>(0.0);
  var acc60 = vec4<f32>(0.0); var acc61 = vec4<f32>(0.0);
  var acc70 = vec4<f32>(0.0); var acc71 = vec4<f32>(0.0);

  for (var k0 = 0u; k0 < sizes.K; k0 += SLAB) {
    // SLAB·TILE elements per tile, SLAB·TILE / THREADS per thread (16 or 4); consecutive
    // threads walk the stored matrix's contiguous dimension.
    for (var j = 0u; j < SLAB * TILE / THREADS; j++) {
      let e = t + j * THREADS;
      var r: u32; var k: u32;
      if (TRANS_A) { k = e / TILE; r = e % TILE; } else { r = e / SLAB; k = e % SLAB; }
      tileA[k * ROW + r / 4u][r % 4u] = loadA(row0 + r, k0 + k);
      var n: u32; var kb: u32;
      if (TRANS_B) { n = e / SLAB; kb = e % SLAB; } else { kb = e / TILE; n = e % TILE; }
      tileB[kb * ROW + n / 4u][n % 4u] = loadB(k0 + kb, col0 + n);
    }
    workgroupBarrier();
    for (var k = 0u; k < SLAB; k++) {
      let a0 = tileA[k * ROW + 2u * lid.y];          // rows 8·ty … +3
      let a1 = tileA[k * ROW + 2u * lid.y + 1u];     // rows 8·ty + 4 … +7
      let b0 = tileB[k * ROW + lid.x];               // columns 4·tx … +3
      let b1 = tileB[k * ROW + ROW / 2u + lid.x];    // columns TILE/2 + 4·tx … +3
      acc00 += a0.x * b0; acc01 += a0.x * b1;
      acc10 += a0.y * b0; acc11 += a0.y * b1;
      acc20 += a0.z * b0; acc21 += a0.z * b1;
      acc30 += a0.w * b0; acc31 += a0.w * b1;
      acc40 += a1.x * b0; acc41 += a1.x * b1;
      acc50 += a1.y * b0; acc51 += a1.y * b1;
      acc60 += a1.z * b0; acc61 += a1.z * b1;
      acc70 += a1.w * b0; acc71 += a1.w * b1;
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
