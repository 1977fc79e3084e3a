// matmul_direct: C = op(A) · op(B), the same contract as matmul.wgsl, for CPU adapters.
//   op(A) is [M×K]: A stored [M×K], or with TRANS_A the transpose of A stored [K×M]
//   op(B) is [K×N]: B stored [K×N], or with TRANS_B the transpose of B stored [N×K]
// Dispatch: (ceil(N / 64), ceil(M / 64), 1) workgroups of 8×8 threads; each thread makes an
// 8×8 block of C (rows 8·(8·wid.y + ty) …, columns 8·(8·wid.x + tx) …) in sixteen named vec4
// registers, reading A and B straight from storage: no workgroup memory and no barrier. On a
// GPU each value of A is then read from storage by the 8 threads of a workgroup row (B's by
// the 8 of a column), where a tiled kernel stages it once a workgroup; on a CPU (SwiftShader)
// the cache does the tiling, and a barrier costs a switch between the workgroup's invocations.
// main_bias_act: as main, C being a hidden layer's pre-activation: C = h·W + b and
// out = f(C) (ACTIVATION), the forward product and its epilogue in one launch; main_bias:
// C = h·W + b (the logits). As matmul.wgsl's.
// main_sums_update, main_sums_loss_update: as matmul.wgsl's, the sums (and the loss) in one
// more row of workgroups, a thread a column, k in order (CPU adapters: a layer's dW, db, their
// steps, and for the output layer the batch loss, in one launch).
// main_update: as main, C being the gradient of a tensor θ [M×N] (dW = hᵀ·δ): stores it and
// steps θ with it in the same launch (sgd.wgsl's rule; group 1 binds the optimizer's
// settings, θ and its velocity), one launch instead of two.

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
// sums: [N], op(B)'s column sums; rowLoss: [K] and lossSum: [1], their sum (the sums entry
// points); bias: [N] (main_bias, main_bias_act), and out: [M×N], f(C) (main_bias_act): the
// bindings of matmul.wgsl
@group(0) @binding(4) var<storage, read_write> sums: array<f32>;
@group(0) @binding(5) var<storage, read> rowLoss: array<f32>;
@group(0) @binding(6) var<storage, read_write> lossSum: array<f32>;
@group(0) @binding(7) var<storage, read> bias: array<f32>;
@group(0) @binding(8) var<storage, read_write> out: array<f32>;

// f of main_bias_act: 0 linear, 1 relu, 2 leaky-relu (slope 0.01), 3 tanh, 4 sigmoid (as bias_activation.wgsl)
override ACTIVATION: u32 = 1u;

fn activate(x: f32) -> f32 {
  switch ACTIVATION {
    case 1u: { return max(x, 0.0); }
    case 2u: { return select(0.01 * x, x, x > 0.0); }
    case 3u: { return tanh(x); }
    case 4u: { return 1.0 / (1.0 + exp(-x)); }
    default: { return x; }
  }
}

// The update's group (main_update; sgd.wgsl has the rule): the optimizer's settings, θ [M×N]
// whose gradient C is, and its velocity (read and written only with momentum).
struct Settings {
  lr: f32,
  momentum: f32,
  weightDecay: f32,
}

@group(1) @binding(0) var<uniform> settings: Settings;
@group(1) @binding(1) var<storage, read_write> theta: array<f32>;
@group(1) @binding(2) var<storage, read_write> velocity: array<f32>;
// θ2 [N] whose gradient the sums are, and its velocity (the sums entry points)
@group(1) @binding(3) var<storage, read_write> theta2: array<f32>;
@group(1) @binding(4) var<storage, read_write> velocity2: array<f32>;

// Read A as stored [K×M] (op(A) = Aᵀ).
override TRANS_A: bool = false;
// Read B as stored [N×K] (op(B) = Bᵀ).
override TRANS_B: bool = false;

// A thread's 8×8 block of C: aRC holds row row + R, columns col + 4·C … +3.
struct Block {
  a00: vec4<f32>, a01: vec4<f32>,
  a10: vec4<f32>, a11: vec4<f32>,
  a20: vec4<f32>, a21: vec4<f32>,
  a30: vec4<f32>, a31: vec4<f32>,
  a40: vec4<f32>, a41: vec4<f32>,
  a50: vec4<f32>, a51: vec4<f32>,
  a60: vec4<f32>, a61: vec4<f32>,
  a70: vec4<f32>, a71: vec4<f32>,
}

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let row = gid.y * 8u;
  let col = gid.x * 8u;
  if (row >= sizes.M || col >= sizes.N) { return; }
  let p = product(row, col);
  let c1 = col + 4u;
  store(row, col, p.a00); store(row, c1, p.a01);
  store(row + 1u, col, p.a10); store(row + 1u, c1, p.a11);
  store(row + 2u, col, p.a20); store(row + 2u, c1, p.a21);
  store(row + 3u, col, p.a30); store(row + 3u, c1, p.a31);
  store(row + 4u, col, p.a40); store(row + 4u, c1, p.a41);
  store(row + 5u, col, p.a50); store(row + 5u, c1, p.a51);
  store(row + 6u, col, p.a60); store(row + 6u, c1, p.a61);
  store(row + 7u, col, p.a70); store(row + 7u, c1, p.a71);
}

@compute @workgroup_size(8, 8)
fn main_bias(@builtin(global_invocation_id) gid: vec3<u32>) {
  let row = gid.y * 8u;
  let col = gid.x * 8u;
  if (row >= sizes.M || col >= sizes.N) { return; }
  let p = product(row, col);
  let c1 = col + 4u;
  storeBiased(row, col, p.a00); storeBiased(row, c1, p.a01);
  storeBiased(row + 1u, col, p.a10); storeBiased(row + 1u, c1, p.a11);
  storeBiased(row + 2u, col, p.a20); storeBiased(row + 2u, c1, p.a21);
  storeBiased(row + 3u, col, p.a30); storeBiased(row + 3u, c1, p.a31);
  storeBiased(row + 4u, col, p.a40); storeBiased(row + 4u, c1, p.a41);
  storeBiased(row + 5u, col, p.a50); storeBiased(row + 5u, c1, p.a51);
  storeBiased(row + 6u, col, p.a60); storeBiased(row + 6u, c1, p.a61);
  storeBiased(row + 7u, col, p.a70); storeBiased(row + 7u, c1, p.a71);
}

@compute @workgroup_size(8, 8)
fn main_bias_act(@builtin(global_invocation_id) gid: vec3<u32>) {
  let row = gid.y * 8u;
  let col = gid.x * 8u;
  if (row >= sizes.M || col >= sizes.N) { return; }
  let p = product(row, col);
  let c1 = col + 4u;
  storeActivated(row, col, p.a00); storeActivated(row, c1, p.a01);
  storeActivated(row + 1u, col, p.a10); storeActivated(row + 1u, c1, p.a11);
  storeActivated(row + 2u, col, p.a20); storeActivated(row + 2u, c1, p.a21);
  storeActivated(row + 3u, col, p.a30); storeActivated(row + 3u, c1, p.a31);
  storeActivated(row + 4u, col, p.a40); storeActivated(row + 4u, c1, p.a41);
  storeActivated(row + 5u, col, p.a50); storeActivated(row + 5u, c1, p.a51);
  storeActivated(row + 6u, col, p.a60); storeActivated(row + 6u, c1, p.a61);
  storeActivated(row + 7u, col, p.a70); storeActivated(row + 7u, c1, p.a71);
}

@compute @workgroup_size(8, 8)
fn main_update(@builtin(global_invocation_id) gid: vec3<u32>) {
  gradientBlock(gid.y * 8u, gid.x * 8u);
}

@compute @workgroup_size(8, 8)
fn main_sums_update(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  _ = layerGradients(wid, lid);
}

@compute @workgroup_size(8, 8)
fn main_sums_loss_update(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  if (layerGradients(wid, lid) == sizes.N) {
    var s = 0.0;
    for (var k = 0u; k < sizes.K; k++) { s += rowLoss[k]; }
    lossSum[0] = s;
  }
}

// dW's 8×8 blocks and W's step in the workgroup rows of the product; in the one more row, db
// (op(B)'s column sums) and b's step, a thread a column. Returns the sums' column this thread
// took (its own, N or past it where there is none), or 0xffffffff in the product's rows.
fn layerGradients(wid: vec3<u32>, lid: vec3<u32>) -> u32 {
  if (wid.y < (sizes.M + 63u) / 64u) {
    gradientBlock((wid.y * 8u + lid.y) * 8u, (wid.x * 8u + lid.x) * 8u);
    return 0xffffffffu;
  }
  let col = wid.x * 64u + lid.y * 8u + lid.x;
  if (col < sizes.N) { storeSumAndStep(col, columnSum(col)); }
  return col;
}

// Σ_k op(B)[k, col], k in order.
fn columnSum(col: u32) -> f32 {
  var s = 0.0;
  for (var k = 0u; k < sizes.K; k++) {
    if (TRANS_B) { s += b[col * sizes.K + k]; } else { s += b[k * sizes.N + col]; }
  }
  return s;
}

// The 8×8 block of the gradient C at (row, col) stored, and θ stepped there with it.
fn gradientBlock(row: u32, col: u32) {
  if (row >= sizes.M || col >= sizes.N) { return; }
  let p = product(row, col);
  let c1 = col + 4u;
  storeAndStep(row, col, p.a00); storeAndStep(row, c1, p.a01);
  storeAndStep(row + 1u, col, p.a10); storeAndStep(row + 1u, c1, p.a11);
  storeAndStep(row + 2u, col, p.a20); storeAndStep(row + 2u, c1, p.a21);
  storeAndStep(row + 3u, col, p.a30); storeAndStep(row + 3u, c1, p.a31);
  storeAndStep(row + 4u, col, p.a40); storeAndStep(row + 4u, c1, p.a41);
  storeAndStep(row + 5u, col, p.a50); storeAndStep(row + 5u, c1, p.a51);
  storeAndStep(row + 6u, col, p.a60); storeAndStep(row + 6u, c1, p.a61);
  storeAndStep(row + 7u, col, p.a70); storeAndStep(row + 7u, c1, p.a71);
}

// The 8×8 block of C at (row, col), both in range.
fn product(row: u32, col: u32) -> Block {
  // accRC: row row + R, columns col + 4·C … +3
  var acc00 = vec4<f32>(0.0); var acc01 = vec4<f32>(0.0);
  var acc10 = vec4<f32>(0.0); var acc11 = vec4<f32>(0.0);
  var acc20 = vec4<f32>(0.0); var acc21 = vec4<f32>(0.0);
  var acc30 = vec4<f32>(0.0); var acc31 = vec4<f32>(0.0);
  var acc40 = vec4<f32>(0.0); var acc41 = vec4<f32>(0.0);
  var acc50 = vec4<f32>(0.0); var acc51 = vec4<f32>(0.0);
  var acc60 = vec4<f32>(0.0); var acc61 = vec4<f32>(0.0);
  var acc70 = vec4<f32>(0.0); var acc71 = vec4<f32>(0.0);

  // Where row i of op(A) and column j of op(B) start, and the step from k to k + 1. Rows and
  // columns past the matrix are clamped to its last one: read, computed, never stored.
  let lastRow = vec4<u32>(sizes.M - 1u);
  let lastCol = vec4<u32>(sizes.N - 1u);
  let r0 = min(vec4<u32>(row) + vec4<u32>(0u, 1u, 2u, 3u), lastRow);
  let r1 = min(vec4<u32>(row) + vec4<u32>(4u, 5u, 6u, 7u), lastRow);
  let n0 = min(vec4<u32>(col) + vec4<u32>(0u, 1u, 2u, 3u), lastCol);
  let n1 = min(vec4<u32>(col) + vec4<u32>(4u, 5u, 6u, 7u), lastCol);
  var ra0: vec4<u32>; var ra1: vec4<u32>; var stepA: u32;
  if (TRANS_A) { ra0 = r0; ra1 = r1; stepA = sizes.M; } else { ra0 = r0 * sizes.K; ra1 = r1 * sizes.K; stepA = 1u; }
  var rb0: vec4<u32>; var rb1: vec4<u32>; var stepB: u32;
  if (TRANS_B) { rb0 = n0 * sizes.K; rb1 = n1 * sizes.K; stepB = 1u; } else { rb0 = n0; rb1 = n1; stepB = sizes.N; }

  var ka = 0u;
  var kb = 0u;
  for (var k = 0u; k < sizes.K; k++) {
    let a0 = vec4<f32>(a[ra0.x + ka], a[ra0.y + ka], a[ra0.z + ka], a[ra0.w + ka]);
    let a1 = vec4<f32>(a[ra1.x + ka], a[ra1.y + ka], a[ra1.z + ka], a[ra1.w + ka]);
    let b0 = vec4<f32>(b[rb0.x + kb], b[rb0.y + kb], b[rb0.z + kb], b[rb0.w + kb]);
    let b1 = vec4<f32>(b[rb1.x + kb], b[rb1.y + kb], b[rb1.z + kb], b[rb1.w + kb]);
    ka += stepA;
    kb += stepB;
    acc00 += a0.x * b0; acc01 += a0.x * b1;
    acc10 += a0.y * b0; acc11 += a0.y * b1;
    acc20 += a0.z * b0; acc21 += a0.z * b1;
    acc30 += a0.w * b0; acc31 += a0.w * b1;
    acc40 += a1.x * b0; acc41 += a1.x * b1;
    acc50 += a1.y * b0; acc51 += a1.y * b1;
    acc60 += a1.z * b0; acc61 += a1.z * b1;
    acc70 += a1.w * b0; acc71 += a1.w * b1;
  }

  return Block(acc00, acc01, acc10, acc11, acc20, acc21, acc30, acc31, acc40, acc41, acc50, acc51, acc60, acc61, acc70, acc71);
}

// Writes the in-range part of one 4-wide row segment of C.
fn store(row: u32, col: u32, v: vec4<f32>) {
  if (row >= sizes.M) { return; }
  let i = row * sizes.N + col;
  if (col + 3u < sizes.N) {
    c[i] = v.x; c[i + 1u] = v.y; c[i + 2u] = v.z; c[i + 3u] = v.w;
    return;
  }
  if (col < sizes.N) { c[i] = v.x; }
  if (col + 1u < sizes.N) { c[i + 1u] = v.y; }
  if (col + 2u < sizes.N) { c[i + 2u] = v.z; }
}

// Stores the in-range part of one 4-wide row segment of C and steps θ there with it.
fn storeAndStep(row: u32, col: u32, g: vec4<f32>) {
  if (row >= sizes.M) { return; }
  let i = row * sizes.N + col;
  for (var j = 0u; j < 4u; j++) {
    if (col + j < sizes.N) {
      c[i + j] = g[j];
      step(i + j, g[j]);
    }
  }
}

// (θ, v) after one SGD step from θ, its gradient and its velocity v (sgd.wgsl's `stepped`).
fn stepped(theta: f32, grad: f32, v: f32) -> vec2<f32> {
  var g = grad + settings.weightDecay * theta;
  if (settings.momentum != 0.0) { g = settings.momentum * v + g; }
  return vec2<f32>(theta - settings.lr * g, g);
}

// θ[e] stepped with its gradient; the velocity read and written only with momentum.
fn step(e: u32, grad: f32) {
  let m = settings.momentum != 0.0;
  var v = 0.0;
  if (m) { v = velocity[e]; }
  let r = stepped(theta[e], grad, v);
  theta[e] = r.x;
  if (m) { velocity[e] = r.y; }
}

// sums[j] = θ2's gradient, and θ2[j] stepped with it, as `step`.
fn storeSumAndStep(j: u32, grad: f32) {
  sums[j] = grad;
  let m = settings.momentum != 0.0;
  var v = 0.0;
  if (m) { v = velocity2[j]; }
  let r = stepped(theta2[j], grad, v);
  theta2[j] = r.x;
  if (m) { velocity2[j] = r.y; }
}

// C = v + bias over the in-range part of one 4-wide row segment.
fn storeBiased(row: u32, col: u32, v: vec4<f32>) {
  if (row >= sizes.M) { return; }
  for (var j = 0u; j < 4u; j++) {
    if (col + j < sizes.N) { c[row * sizes.N + col + j] = v[j] + bias[col + j]; }
  }
}

// C = v + bias and out = f(C) over the in-range part of one 4-wide row segment.
fn storeActivated(row: u32, col: u32, v: vec4<f32>) {
  if (row >= sizes.M) { return; }
  for (var j = 0u; j < 4u; j++) {
    if (col + j < sizes.N) {
      let e = row * sizes.N + col + j;
      let x = v[j] + bias[col + j];
      c[e] = x;
      out[e] = activate(x);
    }
  }
}
