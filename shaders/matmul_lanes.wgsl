// matmul_lanes: C = op(A) · op(B), matmul_direct.wgsl's contract and entry points, for CPU
// adapters whose subgroups are 4 invocations wide (SwiftShader: the 4 that one SSE instruction
// runs side by side). The host takes it only where the device has 'subgroups' and the adapter
// says its subgroups are exactly 4 wide (subgroupMinSize = subgroupMaxSize = 4).
//   op(A) is [M×K]: A stored [M×K], or with TRANS_A the transpose of A stored [K×M]
//   op(B) is [K×N]: B stored [K×N], or with TRANS_B the transpose of B stored [N×K]
// Why: on SwiftShader a load from a storage buffer at an index computed at run time is a gather,
// one scalar load a lane, whatever the addresses. matmul_direct's 4 lanes load the same 8 values
// of A at each k (they share their rows) and 8 of B; here each lane loads 4 different rows of A
// and subgroupBroadcast, cheaper than a gather, hands each lane's 4 to the others, so a thread
// makes a 16×8 block of C from 12 loads a k where matmul_direct makes 8×8 from 16.
// Dispatch: (ceil(N / 32), ceil(M / 16), 1) workgroups of 4 invocations, each one subgroup:
// lane l of workgroup (x, y) makes rows 16y … 16y + 15 and columns 32x + 8l … + 7 of C in 32
// named vec4 registers (acc{R}a: row 16y + R, its columns 32x + 8l … + 3; acc{R}b: the next 4).
// The epilogues are matmul_direct.wgsl's, a row segment of 4 columns at a time:
// main: C stored. main_bias: C = op(A)·op(B) + bias (the logits). main_bias_act: also
// out = f(C) (a hidden layer). main_update: C is θ's gradient, θ stepped with it.
// main_sums_update, main_sums_loss_update: dW and W's step in the product's rows of
// workgroups; in one more row, op(B)'s column sums (db) and b's step, 8 columns a lane, and the
// batch loss in the lane whose columns hold N. main_signal: a hidden layer's error signal,
// C = e·F stored as delta = C ⊙ f′(pre) (hidden_signal.wgsl's), A = e [rows×classes] and B = F,
// where the rules depart from backprop:
//   FA, KP, DFA: F(c, j) = B[c, j], B (for DFA D) [classes×hidden] bound as b, read as stored
//   BP:          F(c, j) = W[j, c], the forward weights W [hidden×classes] bound as b, read
//                transposed (TRANS_B)
// (the sign-concordant rules keep hidden_signal.wgsl's direct form, whose F reads W's signs).
// Rows and columns past C are clamped to its last ones: read, computed, never stored. No
// invocation returns before the broadcasts (each needs all 4 lanes).

enable subgroups;

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
// C: [M×N], overwritten (main_signal: delta)
@group(0) @binding(3) var<storage, read_write> c: array<f32>;
// sums, rowLoss, lossSum, bias, out: as matmul_direct.wgsl's
@group(0) @binding(4) var<storage, read_write> sums: array<f32>;
@group(0) @binding(5) var<storage, read> rowLoss: array<f32>;
@group(0) @binding(6) var<storage, read_write> lossSum: array<f32>;
@group(0) @binding(7) var<storage, read> bias: array<f32>;
@group(0) @binding(8) var<storage, read_write> out: array<f32>;
// pre: [M×N], the hidden layer's pre-activation whose f′ masks main_signal's C
@group(0) @binding(9) var<storage, read> pre: array<f32>;

// f of main_bias_act and f′ of main_signal: 0 linear, 1 relu, 2 leaky-relu (slope 0.01),
// 3 tanh, 4 sigmoid (as bias_activation.wgsl and hidden_signal.wgsl)
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

fn derivative(x: f32) -> f32 {
  switch ACTIVATION {
    case 1u: { return select(0.0, 1.0, x > 0.0); }
    case 2u: { return select(0.01, 1.0, x > 0.0); }
    case 3u: { let t = tanh(x); return 1.0 - t * t; }
    case 4u: { let s = 1.0 / (1.0 + exp(-x)); return s * (1.0 - s); }
    default: { return 1.0; }
  }
}

// The update's group (main_update, the sums entry points), as matmul_direct.wgsl's.
struct Settings {
  lr: f32,
  momentum: f32,
  weightDecay: f32,
}

@group(1) @binding(0) var<uniform> settings: Settings;
@group(1) @binding(1) var<storage, read_write> theta: array<f32>;
@group(1) @binding(2) var<storage, read_write> velocity: array<f32>;
@group(1) @binding(3) var<storage, read_write> theta2: array<f32>;
@group(1) @binding(4) var<storage, read_write> velocity2: array<f32>;

// Read A as stored [K×M] (op(A) = Aᵀ).
override TRANS_A: bool = false;
// Read B as stored [N×K] (op(B) = Bᵀ).
override TRANS_B: bool = false;

// A lane's 16×8 block of C: element 2R is row R's first 4 columns, 2R + 1 its next 4.
alias Block = array<vec4<f32>, 32>;

@compute @workgroup_size(4)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(subgroup_invocation_id) lane: u32) {
  let row = wid.y * 16u;
  let col = wid.x * 32u + lane * 8u;
  var p = product(row, col, lane);
  for (var i = 0u; i < 32u; i++) { store(row + i / 2u, col + 4u * (i % 2u), p[i]); }
}

@compute @workgroup_size(4)
fn main_bias(@builtin(workgroup_id) wid: vec3<u32>, @builtin(subgroup_invocation_id) lane: u32) {
  let row = wid.y * 16u;
  let col = wid.x * 32u + lane * 8u;
  var p = product(row, col, lane);
  for (var i = 0u; i < 32u; i++) { storeBiased(row + i / 2u, col + 4u * (i % 2u), p[i]); }
}

@compute @workgroup_size(4)
fn main_bias_act(@builtin(workgroup_id) wid: vec3<u32>, @builtin(subgroup_invocation_id) lane: u32) {
  let row = wid.y * 16u;
  let col = wid.x * 32u + lane * 8u;
  var p = product(row, col, lane);
  for (var i = 0u; i < 32u; i++) { storeActivated(row + i / 2u, col + 4u * (i % 2u), p[i]); }
}

@compute @workgroup_size(4)
fn main_signal(@builtin(workgroup_id) wid: vec3<u32>, @builtin(subgroup_invocation_id) lane: u32) {
  let row = wid.y * 16u;
  let col = wid.x * 32u + lane * 8u;
  var p = product(row, col, lane);
  for (var i = 0u; i < 32u; i++) { storeMasked(row + i / 2u, col + 4u * (i % 2u), p[i]); }
}

@compute @workgroup_size(4)
fn main_update(@builtin(workgroup_id) wid: vec3<u32>, @builtin(subgroup_invocation_id) lane: u32) {
  gradientBlock(wid.y * 16u, wid.x * 32u + lane * 8u, lane);
}

@compute @workgroup_size(4)
fn main_sums_update(@builtin(workgroup_id) wid: vec3<u32>, @builtin(subgroup_invocation_id) lane: u32) {
  _ = layerGradients(wid, lane);
}

@compute @workgroup_size(4)
fn main_sums_loss_update(@builtin(workgroup_id) wid: vec3<u32>, @builtin(subgroup_invocation_id) lane: u32) {
  if (layerGradients(wid, lane)) {
    var s = 0.0;
    for (var k = 0u; k < sizes.K; k++) { s += rowLoss[k]; }
    lossSum[0] = s;
  }
}

// dW's blocks and W's step in the workgroup rows of the product; in the one more row, db
// (op(B)'s column sums) and b's step, 8 columns a lane. Returns whether this lane's 8 columns
// of that row hold column N (the loss's: exactly one lane of the grid).
fn layerGradients(wid: vec3<u32>, lane: u32) -> bool {
  let col = wid.x * 32u + lane * 8u;
  if (wid.y < (sizes.M + 15u) / 16u) {
    gradientBlock(wid.y * 16u, col, lane);
    return false;
  }
  for (var j = 0u; j < 8u; j++) {
    if (col + j < sizes.N) { storeSumAndStep(col + j, columnSum(col + j)); }
  }
  return col <= sizes.N && sizes.N < col + 8u;
}

// Σ_k op(B)[k, n], k in order.
fn columnSum(n: u32) -> f32 {
  var s = 0.0;
  for (var k = 0u; k < sizes.K; k++) {
    if (TRANS_B) { s += b[n * sizes.K + k]; } else { s += b[k * sizes.N + n]; }
  }
  return s;
}

// The 16×8 block of the gradient C at (row, col) stored, and θ stepped there with it.
fn gradientBlock(row: u32, col: u32, lane: u32) {
  var p = product(row, col, lane);
  for (var i = 0u; i < 32u; i++) { storeAndStep(row + i / 2u, col + 4u * (i % 2u), p[i]); }
}

// This lane's 16×8 block of C: rows row … row + 15, columns col … col + 7. Every lane of the
// subgroup calls it with the same row (its columns are its own).
fn product(row: u32, col: u32, lane: u32) -> Block {
  // acc{R}a, acc{R}b: row row + R, columns col … col + 3 and col + 4 … col + 7
  var acc0a = vec4<f32>(0.0); var acc0b = vec4<f32>(0.0);
  var acc1a = vec4<f32>(0.0); var acc1b = vec4<f32>(0.0);
  var acc2a = vec4<f32>(0.0); var acc2b = vec4<f32>(0.0);
  var acc3a = vec4<f32>(0.0); var acc3b = vec4<f32>(0.0);
  var acc4a = vec4<f32>(0.0); var acc4b = vec4<f32>(0.0);
  var acc5a = vec4<f32>(0.0); var acc5b = vec4<f32>(0.0);
  var acc6a = vec4<f32>(0.0); var acc6b = vec4<f32>(0.0);
  var acc7a = vec4<f32>(0.0); var acc7b = vec4<f32>(0.0);
  var acc8a = vec4<f32>(0.0); var acc8b = vec4<f32>(0.0);
  var acc9a = vec4<f32>(0.0); var acc9b = vec4<f32>(0.0);
  var acc10a = vec4<f32>(0.0); var acc10b = vec4<f32>(0.0);
  var acc11a = vec4<f32>(0.0); var acc11b = vec4<f32>(0.0);
  var acc12a = vec4<f32>(0.0); var acc12b = vec4<f32>(0.0);
  var acc13a = vec4<f32>(0.0); var acc13b = vec4<f32>(0.0);
  var acc14a = vec4<f32>(0.0); var acc14b = vec4<f32>(0.0);
  var acc15a = vec4<f32>(0.0); var acc15b = vec4<f32>(0.0);

  // The 4 rows of op(A) this lane loads (row + 4·lane …), the 8 columns of op(B) it reads,
  // where each starts and the step from k to k + 1.
  let mine = min(vec4<u32>(row + 4u * lane) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(sizes.M - 1u));
  let lastCol = vec4<u32>(sizes.N - 1u);
  let n0 = min(vec4<u32>(col) + vec4<u32>(0u, 1u, 2u, 3u), lastCol);
  let n1 = min(vec4<u32>(col) + vec4<u32>(4u, 5u, 6u, 7u), lastCol);
  var ra: vec4<u32>; var stepA: u32;
  if (TRANS_A) { ra = mine; stepA = sizes.M; } else { ra = mine * sizes.K; stepA = 1u; }
  var rb0: vec4<u32>; var rb1: vec4<u32>; var stepB: u32;
  if (TRANS_B) {
    rb0 = n0 * sizes.K; rb1 = n1 * sizes.K; stepB = 1u;
  } else {
    rb0 = n0; rb1 = n1; stepB = sizes.N;
  }

  var ka = 0u;
  var kb = 0u;
  for (var k = 0u; k < sizes.K; k++) {
    // op(A) at k in this lane's 4 rows; then lane s's 4 (rows row + 4s …) in every lane
    let own = vec4<f32>(a[ra.x + ka], a[ra.y + ka], a[ra.z + ka], a[ra.w + ka]);
    let b0 = vec4<f32>(b[rb0.x + kb], b[rb0.y + kb], b[rb0.z + kb], b[rb0.w + kb]);
    let b1 = vec4<f32>(b[rb1.x + kb], b[rb1.y + kb], b[rb1.z + kb], b[rb1.w + kb]);
    ka += stepA;
    kb += stepB;
    let v0 = subgroupBroadcast(own, 0u);
    acc0a += v0.x * b0; acc0b += v0.x * b1;
    acc1a += v0.y * b0; acc1b += v0.y * b1;
    acc2a += v0.z * b0; acc2b += v0.z * b1;
    acc3a += v0.w * b0; acc3b += v0.w * b1;
    let v1 = subgroupBroadcast(own, 1u);
    acc4a += v1.x * b0; acc4b += v1.x * b1;
    acc5a += v1.y * b0; acc5b += v1.y * b1;
    acc6a += v1.z * b0; acc6b += v1.z * b1;
    acc7a += v1.w * b0; acc7b += v1.w * b1;
    let v2 = subgroupBroadcast(own, 2u);
    acc8a += v2.x * b0; acc8b += v2.x * b1;
    acc9a += v2.y * b0; acc9b += v2.y * b1;
    acc10a += v2.z * b0; acc10b += v2.z * b1;
    acc11a += v2.w * b0; acc11b += v2.w * b1;
    let v3 = subgroupBroadcast(own, 3u);
    acc12a += v3.x * b0; acc12b += v3.x * b1;
    acc13a += v3.y * b0; acc13b += v3.y * b1;
    acc14a += v3.z * b0; acc14b += v3.z * b1;
    acc15a += v3.w * b0; acc15b += v3.w * b1;
  }

  return array<vec4<f32>, 32>(acc0a, acc0b, acc1a, acc1b, acc2a, acc2b, acc3a, acc3b, acc4a, acc4b,
    acc5a, acc5b, acc6a, acc6b, acc7a, acc7b, acc8a, acc8b, acc9a, acc9b, acc10a, acc10b, acc11a,
    acc11b, acc12a, acc12b, acc13a, acc13b, acc14a, acc14b, acc15a, acc15b);
}

// Writes the in-range part of one 4-wide row segment of C.
fn store(row: u32, col: u32, v: vec4<f32>) {
  if (row >= sizes.M) { return; }
  let i = row * sizes.N;
  for (var j = 0u; j < 4u; j++) {
    if (col + j < sizes.N) { c[i + col + j] = v[j]; }
  }
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

// C = v ⊙ f′(pre) over the in-range part of one 4-wide row segment (main_signal's delta).
fn storeMasked(row: u32, col: u32, v: vec4<f32>) {
  if (row >= sizes.M) { return; }
  for (var j = 0u; j < 4u; j++) {
    if (col + j < sizes.N) {
      let e = row * sizes.N + col + j;
      c[e] = v[j] * derivative(pre[e]);
    }
  }
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
