// hidden_signal: the error signal of a hidden layer, where the rules depart from backprop.
//   delta[i, j] = (Σ_c e[i, c] · F(c, j)) · f′(pre[i, j])
//   FA, KP, DFA: F(c, j) = B[c, j], B stored [classes×hidden]: a feedback matrix, not Wᵀ
//                (for DFA it is D, [outputs×hidden], from the output error straight down)
//   BP:          F(c, j) = W[j, c], W stored [hidden×classes]: the forward weights, read transposed
//   USF, FRSF, BRSF (SIGN_CONCORDANT): F(c, j) = M[c, j] · sign(W[j, c]), magnitudes M with the
//                signs of Wᵀ
// e is the error the signal comes from, [rows×classes]: δ of the layer above, or the output
// error for DFA (then classes is the output width). With ACTIVATION 0 (linear, f′ = 1) the
// kernel gives the unmasked signal s = e·F that the alignment metrics compare.
// It is a matmul (rows×classes)·(classes×hidden) with the mask fused into the store, in two
// forms, as the matmul kernels are:
//   main (GPUs), tiled as matmul.wgsl: 32×32 tile of delta per workgroup, 4×4 per thread (every
//     8th row and column of the tile) in named vec4 registers, the classes walked in slabs of 16
//     through workgroup memory.
//     Dispatch: (ceil(hidden / 32), ceil(rows / 32), layers) workgroups of 8×8 threads.
//     Split-K, as matmul.wgsl (layers > 1, for few tiles and many classes): layer z sums only
//     c in [z·kChunk, (z+1)·kChunk) and writes its unmasked partial sum to delta + z·rows·hidden
//     (delta is then a scratch buffer [layers×rows×hidden]); column_sum.wgsl's `masked` adds the
//     layers and applies f′. kChunk is a multiple of 16; without split-K, kChunk = classes.
//   direct (CPU adapters), as matmul_direct.wgsl: 8×8 per thread read straight from storage,
//     no workgroup memory, no barrier. Dispatch: (ceil(hidden / 64), ceil(rows / 64), 1)
//     workgroups of 8×8 threads. On CPU adapters whose subgroups are 4 lanes wide only the
//     sign-concordant rules take it: matmul_lanes.wgsl's main_signal makes the others' δ there.

struct Sizes {
  rows: u32,
  hidden: u32,
  classes: u32,
  kChunk: u32,
}

@group(0) @binding(0) var<uniform> sizes: Sizes;
// e: [rows×classes]
@group(0) @binding(1) var<storage, read> e: array<f32>;
// f: B or M [classes×hidden], or W [hidden×classes] with TRANSPOSED
@group(0) @binding(2) var<storage, read> f: array<f32>;
// pre: [rows×hidden], the layer's pre-activation a
@group(0) @binding(3) var<storage, read> pre: array<f32>;
// delta: [rows×hidden]; with split-K the partial sums [layers×rows×hidden]
@group(0) @binding(4) var<storage, read_write> delta: array<f32>;
// w: W [hidden×classes], whose signs SIGN_CONCORDANT uses (bound for every rule)
@group(0) @binding(5) var<storage, read> w: array<f32>;

// Read f as W [hidden×classes] and use Wᵀ (backprop).
override TRANSPOSED: bool = false;
// Use f = M as magnitudes with the signs of Wᵀ (usf, frsf, brsf).
override SIGN_CONCORDANT: bool = false;
// f′: 0 linear, 1 relu, 2 leaky-relu (slope 0.01), 3 tanh, 4 sigmoid
override ACTIVATION: u32 = 1u;

const TILE = 32u;
const SLAB = 16u;
const LANES = 8u;  // threads per tile edge; the stride between a thread's rows (and columns)

var<workgroup> tileE: array<vec4<f32>, 128>;  // [k][q]: rows q + 8i in component i
var<workgroup> tileF: array<vec4<f32>, 128>;  // [k][q]: columns q + 8j in component j

fn derivative(x: f32) -> f32 {
  switch ACTIVATION {
    case 1u: { return select(0.0, 1.0, x > 0.0); }
    case 2u: { return select(0.01, 1.0, x > 0.0); }
    case 3u: { let t = tanh(x); return 1.0 - t * t; }
    case 4u: { let s = 1.0 / (1.0 + exp(-x)); return s * (1.0 - s); }
    default: { return 1.0; }
  }
}

// e[row, c], zero outside
fn loadE(row: u32, c: u32) -> f32 {
  if (row >= sizes.rows || c >= sizes.classes) { return 0.0; }
  return e[row * sizes.classes + c];
}

// F(c, j), zero outside
fn loadF(c: u32, j: u32) -> f32 {
  if (c >= sizes.classes || j >= sizes.hidden) { return 0.0; }
  return feedback(c, j);
}

// F(c, j) for c and j in range: the one place the rules differ. (One assignment per branch,
// no early return: 32 inlined copies of a function with early returns took Deno's compiler
// through SwiftShader minutes.)
fn feedback(c: u32, j: u32) -> f32 {
  var v: f32;
  if (TRANSPOSED) {
    v = f[j * sizes.classes + c];
  } else if (SIGN_CONCORDANT) {
    v = f[c * sizes.hidden + j] * sign(w[j * sizes.classes + c]);
  } else {
    v = f[c * sizes.hidden + j];
  }
  return v;
}

@compute @workgroup_size(8, 8)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let row0 = wid.y * TILE;
  let col0 = wid.x * TILE;
  let t = lid.y * LANES + lid.x;

  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);

  let kBegin = wid.z * sizes.kChunk;
  let kEnd = min(sizes.classes, kBegin + sizes.kChunk);
  for (var k0 = kBegin; k0 < kEnd; k0 += SLAB) {
    // 128 vec4 slots per tile, 2 per thread, each filled whole by one thread (threads writing
    // different components of one vec4 would race: WGSL lets a component's write touch the
    // whole vector).
    for (var p = 0u; p < 2u; p++) {
      // e rows are contiguous over c: consecutive threads walk c.
      let k = t % SLAB;
      let q = t / SLAB + 4u * p;
      let r = row0 + q;
      tileE[k * LANES + q] = vec4<f32>(loadE(r, k0 + k), loadE(r + LANES, k0 + k), loadE(r + 2u * LANES, k0 + k), loadE(r + 3u * LANES, k0 + k));
      // F: consecutive threads walk j (contiguous in B; W is read transposed).
      let qb = t % LANES;
      let kb = t / LANES + 8u * p;
      let n = col0 + qb;
      tileF[kb * LANES + qb] = vec4<f32>(loadF(k0 + kb, n), loadF(k0 + kb, n + LANES), loadF(k0 + kb, n + 2u * LANES), loadF(k0 + kb, n + 3u * LANES));
    }
    workgroupBarrier();
    for (var k = 0u; k < SLAB; k++) {
      let ev = tileE[k * LANES + lid.y];
      let fv = tileF[k * LANES + lid.x];
      acc0 += ev.x * fv;
      acc1 += ev.y * fv;
      acc2 += ev.z * fv;
      acc3 += ev.w * fv;
    }
    workgroupBarrier();
  }

  // rows row + 8i, columns col + 8j
  let row = row0 + lid.y;
  let col = col0 + lid.x;
  if (groups.z > 1u) {
    // Split-K: this layer's unmasked partial sums.
    let base = wid.z * sizes.rows * sizes.hidden;
    storePartial(base, row, col, acc0);
    storePartial(base, row + LANES, col, acc1);
    storePartial(base, row + 2u * LANES, col, acc2);
    storePartial(base, row + 3u * LANES, col, acc3);
    return;
  }
  store(row, col, LANES, acc0);
  store(row + LANES, col, LANES, acc1);
  store(row + 2u * LANES, col, LANES, acc2);
  store(row + 3u * LANES, col, LANES, acc3);
}

// The in-range part of a block's row of a split-K layer (columns col + 8j), unmasked.
fn storePartial(base: u32, row: u32, col: u32, s: vec4<f32>) {
  if (row >= sizes.rows) { return; }
  let i = base + row * sizes.hidden;
  for (var q = 0u; q < 4u; q++) {
    let j = col + q * LANES;
    if (j < sizes.hidden) { delta[i + j] = s[q]; }
  }
}

@compute @workgroup_size(8, 8)
fn direct(@builtin(global_invocation_id) gid: vec3<u32>) {
  let row = gid.y * 8u;
  let col = gid.x * 8u;
  if (row >= sizes.rows || col >= sizes.hidden) { return; }

  // accRC: row row + R, columns col + 4·C … +3
  var acc00 = vec4<f32>(0.0); var acc01 = vec4<f32>(0.0);
  var acc10 = vec4<f32>(0.0); var acc11 = vec4<f32>(0.0);
  var acc20 = vec4<f32>(0.0); var acc21 = vec4<f32>(0.0);
  var acc30 = vec4<f32>(0.0); var acc31 = vec4<f32>(0.0);
  var acc40 = vec4<f32>(0.0); var acc41 = vec4<f32>(0.0);
  var acc50 = vec4<f32>(0.0); var acc51 = vec4<f32>(0.0);
  var acc60 = vec4<f32>(0.0); var acc61 = vec4<f32>(0.0);
  var acc70 = vec4<f32>(0.0); var acc71 = vec4<f32>(0.0);

  // Rows and columns past the matrix are clamped to its last one: read, never stored.
  let r0 = min(vec4<u32>(row) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(sizes.rows - 1u)) * sizes.classes;
  let r1 = min(vec4<u32>(row) + vec4<u32>(4u, 5u, 6u, 7u), vec4<u32>(sizes.rows - 1u)) * sizes.classes;
  let j0 = min(vec4<u32>(col) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(sizes.hidden - 1u));
  let j1 = min(vec4<u32>(col) + vec4<u32>(4u, 5u, 6u, 7u), vec4<u32>(sizes.hidden - 1u));
  for (var c = 0u; c < sizes.classes; c++) {
    let e0 = vec4<f32>(e[r0.x + c], e[r0.y + c], e[r0.z + c], e[r0.w + c]);
    let e1 = vec4<f32>(e[r1.x + c], e[r1.y + c], e[r1.z + c], e[r1.w + c]);
    let f0 = vec4<f32>(feedback(c, j0.x), feedback(c, j0.y), feedback(c, j0.z), feedback(c, j0.w));
    let f1 = vec4<f32>(feedback(c, j1.x), feedback(c, j1.y), feedback(c, j1.z), feedback(c, j1.w));
    acc00 += e0.x * f0; acc01 += e0.x * f1;
    acc10 += e0.y * f0; acc11 += e0.y * f1;
    acc20 += e0.z * f0; acc21 += e0.z * f1;
    acc30 += e0.w * f0; acc31 += e0.w * f1;
    acc40 += e1.x * f0; acc41 += e1.x * f1;
    acc50 += e1.y * f0; acc51 += e1.y * f1;
    acc60 += e1.z * f0; acc61 += e1.z * f1;
    acc70 += e1.w * f0; acc71 += e1.w * f1;
  }

  let c1 = col + 4u;
  store(row, col, 1u, acc00); store(row, c1, 1u, acc01);
  store(row + 1u, col, 1u, acc10); store(row + 1u, c1, 1u, acc11);
  store(row + 2u, col, 1u, acc20); store(row + 2u, c1, 1u, acc21);
  store(row + 3u, col, 1u, acc30); store(row + 3u, c1, 1u, acc31);
  store(row + 4u, col, 1u, acc40); store(row + 4u, c1, 1u, acc41);
  store(row + 5u, col, 1u, acc50); store(row + 5u, c1, 1u, acc51);
  store(row + 6u, col, 1u, acc60); store(row + 6u, c1, 1u, acc61);
  store(row + 7u, col, 1u, acc70); store(row + 7u, c1, 1u, acc71);
}

// delta = s ⊙ f′(pre) for the in-range part of a row's 4 columns col + step·j (direct's
// contiguous segments, step 1; main's block rows, step 8).
fn store(row: u32, col: u32, step: u32, s: vec4<f32>) {
  if (row >= sizes.rows) { return; }
  let i = row * sizes.hidden;
  for (var q = 0u; q < 4u; q++) {
    let j = col + q * step;
    if (j < sizes.hidden) { delta[i + j] = s[q] * derivative(pre[i + j]); }
  }
}
