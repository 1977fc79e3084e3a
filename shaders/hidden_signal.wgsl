// hidden_signal: the error signal of a hidden layer, where the rules depart from backprop.
//   delta[i, j] = (Σ_c e[i, c] · F(c, j)) · f′(pre[i, j])
//   FA, KP, DFA: F(c, j) = B[c, j], B stored [classes×hidden]: a feedback matrix, not Wᵀ
//   BP:          F(c, j) = W[j, c], W stored [hidden×classes]: the forward weights, read transposed
//   USF, FRSF, BRSF (SIGN_CONCORDANT): F(c, j) = M[c, j] · sign(W[j, c]), magnitudes M with the
//                signs of Wᵀ
// e is the error the signal comes from, [rows×classes]: δ of the layer above, or the output
// error for DFA (then classes is the output width). With ACTIVATION 0 (linear, f′ = 1) the
// kernel gives the unmasked signal s = e·F that the alignment metrics compare.
// It is a matmul (rows×classes)·(classes×hidden) with the mask fused into the store, tiled as
// matmul.wgsl is: 32×32 tile of delta per workgroup, 4×4 per thread in named vec4 registers,
// the classes walked in slabs of 16 through workgroup memory.
// Dispatch: (ceil(hidden / 32), ceil(rows / 32), 1) workgroups of 8×8 threads.

struct Sizes {
  rows: u32,
  hidden: u32,
  classes: u32,
}

@group(0) @binding(0) var<uniform> sizes: Sizes;
// e: [rows×classes]
@group(0) @binding(1) var<storage, read> e: array<f32>;
// f: B or M [classes×hidden], or W [hidden×classes] with TRANSPOSED
@group(0) @binding(2) var<storage, read> f: array<f32>;
// pre: [rows×hidden], the layer's pre-activation a
@group(0) @binding(3) var<storage, read> pre: array<f32>;
// delta: [rows×hidden]
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
const LANES = 8u;

var<workgroup> tileE: array<vec4<f32>, 128>;  // [k][row/4]
var<workgroup> tileF: array<vec4<f32>, 128>;  // [k][col/4]

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

// F(c, j), zero outside: the one place the rules differ.
fn loadF(c: u32, j: u32) -> f32 {
  if (c >= sizes.classes || j >= sizes.hidden) { return 0.0; }
  if (TRANSPOSED) { return f[j * sizes.classes + c]; }
  if (SIGN_CONCORDANT) { return f[c * sizes.hidden + j] * sign(w[j * sizes.classes + c]); }
  return f[c * sizes.hidden + j];
}

@compute @workgroup_size(8, 8)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row0 = wid.y * TILE;
  let col0 = wid.x * TILE;
  let t = lid.y * LANES + lid.x;

  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);

  for (var k0 = 0u; k0 < sizes.classes; k0 += SLAB) {
    for (var q = 0u; q < 8u; q++) {
      let idx = t + q * 64u;
      // e rows are contiguous over c: consecutive threads walk c.
      let r = idx / SLAB;
      let k = idx % SLAB;
      tileE[k * LANES + r / 4u][r % 4u] = loadE(row0 + r, k0 + k);
      // F: consecutive threads walk j (contiguous in B; W is read transposed).
      let kb = idx / TILE;
      let n = idx % TILE;
      tileF[kb * LANES + n / 4u][n % 4u] = loadF(k0 + kb, col0 + n);
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

  let row = row0 + lid.y * 4u;
  let col = col0 + lid.x * 4u;
  store(row, col, acc0);
  store(row + 1u, col, acc1);
  store(row + 2u, col, acc2);
  store(row + 3u, col, acc3);
}

// delta = s ⊙ f′(pre) for the in-range part of one 4-wide row segment.
fn store(row: u32, col: u32, s: vec4<f32>) {
  if (row >= sizes.rows) { return; }
  let base = row * sizes.hidden;
  for (var i = 0u; i < 4u; i++) {
    if (col + i < sizes.hidden) { delta[base + col + i] = s[i] * derivative(pre[base + col + i]); }
  }
}
