// softmax_cross_entropy: loss and output error of a batch.
//   p = softmax(logits[i, :])                       (max subtracted first)
//   rowLoss[i] = −log p[labels[i]] / rows           (so Σ_i rowLoss is the batch mean)
//   dLogits[i, j] = (p[j] − [j = labels[i]]) / rows (∂ mean loss / ∂ logits)
// For the label's class, 1 − p and −log p are computed from the other classes' mass, not
// by subtracting from 1: a well-fitted row has p ≈ 1, and the subtraction would lose
// almost every digit of its loss and gradient.
// Entry points:
//   main:   the loss of given logits. One thread per row, workgroups of 64, grid
//           (ceil(rows / 64), 1, 1).
//   output: the output layer first, logits = h·W + b (h [rows×inputs], W [inputs×classes]),
//           written to `logits`, then main's loss: one launch where a GPU step would otherwise
//           take two to four (the product, split-K's sum, the bias, the loss). For 16 classes
//           or fewer. One workgroup of 256 threads a row, grid (x, y, 1) with x·y ≥ rows
//           (y > 1 only past the per-dimension limit): thread t takes the slice of K
//           k = t / 4, t / 4 + 64, … and the classes t % 4 + 4j (j = 0 … 3); the 64 slices'
//           partial sums are added in workgroup memory, then one thread does the row's loss
//           as main does. A row a workgroup and 64 slices keep a batch of 128 on 128
//           workgroups with 16 steps of K = 1000 each, so the launch does not wait on a few
//           long loops.
//   output_signal: `output`, then the error signal of the hidden layer below (whose output
//           h is the layer's input), as hidden_signal.wgsl's `main` makes it, from the row's
//           dLogits while they are at hand: one launch fewer in a training step.
//             delta[i, j] = (Σ_c dLogits[i, c] · F(c, j)) · f′, F as in hidden_signal.wgsl
//           f′ is taken from h = f(a) rather than from a (which this launch does not bind):
//           relu and leaky-relu from h > 0 (exactly when a > 0), tanh 1 − h², sigmoid h·(1 − h),
//           the same values hidden_signal computes from a, as h is f(a) as the forward made it.
//           Same grid as `output`; thread t then takes the columns t, t + 256, … Nine storage
//           buffers, which acquireDevice asks for where the adapter has them.

struct Sizes {
  rows: u32,
  classes: u32,
  // h's width (output only)
  inputs: u32,
}

@group(0) @binding(0) var<uniform> sizes: Sizes;
// logits: [rows×classes]; `output` writes them
@group(0) @binding(1) var<storage, read_write> logits: array<f32>;
// labels: [rows], each in 0 .. classes−1 (checked on the host)
@group(0) @binding(2) var<storage, read> labels: array<i32>;
// dLogits: [rows×classes]
@group(0) @binding(3) var<storage, read_write> dLogits: array<f32>;
// rowLoss: [rows]
@group(0) @binding(4) var<storage, read_write> rowLoss: array<f32>;
// h: [rows×inputs], the last hidden layer's output (output only)
@group(0) @binding(5) var<storage, read> h: array<f32>;
// w: [inputs×classes] (output only)
@group(0) @binding(6) var<storage, read> w: array<f32>;
// bias: [classes] (output only)
@group(0) @binding(7) var<storage, read> bias: array<f32>;
// f: B or M [classes×inputs], or W [inputs×classes] with TRANSPOSED (output_signal only)
@group(0) @binding(8) var<storage, read> f: array<f32>;
// delta: [rows×inputs], the hidden layer's error signal (output_signal only)
@group(0) @binding(9) var<storage, read_write> delta: array<f32>;

// output_signal: read f as W [inputs×classes] and use Wᵀ (backprop).
override TRANSPOSED: bool = false;
// output_signal: use f = M as magnitudes with the signs of Wᵀ (usf, frsf, brsf).
override SIGN_CONCORDANT: bool = false;
// output_signal: the hidden layer's f: 0 linear, 1 relu, 2 leaky-relu (slope 0.01), 3 tanh, 4 sigmoid
override ACTIVATION: u32 = 1u;

// log(1 + t) for 0 ≤ t ≤ 1 to a few ulp, as 2·atanh(r) with r = t / (2 + t) ≤ 1/3:
// 2r·(1 + r²/3 + r⁴/5 + … + r¹⁸/19), truncation below 1e-10. WGSL's log is only held to an
// absolute 2⁻²¹ near 1, far too coarse for a loss of 1e-4.
fn log1pSmall(t: f32) -> f32 {
  let r = t / (2.0 + t);
  let r2 = r * r;
  var s = 1.0 / 19.0;
  s = s * r2 + 1.0 / 17.0;
  s = s * r2 + 1.0 / 15.0;
  s = s * r2 + 1.0 / 13.0;
  s = s * r2 + 1.0 / 11.0;
  s = s * r2 + 1.0 / 9.0;
  s = s * r2 + 1.0 / 7.0;
  s = s * r2 + 1.0 / 5.0;
  s = s * r2 + 1.0 / 3.0;
  s = s * r2 + 1.0;
  return 2.0 * r * s;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= sizes.rows) { return; }
  rowLossAndError(i);
}

// Loss and error of row i from logits[i, :].
fn rowLossAndError(i: u32) {
  let base = i * sizes.classes;
  let y = u32(labels[i]);
  var m = logits[base];
  for (var j = 1u; j < sizes.classes; j++) { m = max(m, logits[base + j]); }
  // sum = Σ_j e_j with e_j = exp(z_j − m); others = Σ_{j≠y} e_j
  var sum = 0.0;
  var others = 0.0;
  for (var j = 0u; j < sizes.classes; j++) {
    let ej = exp(logits[base + j] - m);
    sum += ej;
    if (j != y) { others += ej; }
  }
  let scale = 1.0 / f32(sizes.rows);
  for (var j = 0u; j < sizes.classes; j++) {
    if (j == y) {
      dLogits[base + j] = -(others / sum) * scale;  // p_y − 1 = −Σ_{j≠y} p_j
    } else {
      dLogits[base + j] = exp(logits[base + j] - m) / sum * scale;
    }
  }
  let ey = exp(logits[base + y] - m);
  var loss: f32;
  if (others <= ey) {
    loss = log1pSmall(others / ey);  // −log p_y = log(1 + Σ_{j≠y} e_j / e_y), p_y ≥ ½
  } else {
    loss = log(sum) - (logits[base + y] - m);  // p_y < ½: the loss is at least log 2
  }
  rowLoss[i] = loss * scale;
}

const SLICES = 64u;      // slices of K in `output`
const CLASS_LANES = 4u;  // classes lane, lane + 4, lane + 8, lane + 12 per thread (at most 16)
var<workgroup> partial: array<vec4<f32>, 256>;  // [slice][class lane], component j: class lane + 4j

// W[k, c] from row offset k·classes, 0 for c past the last class.
fn weight(rowOffset: u32, c: u32) -> f32 {
  if (c >= sizes.classes) { return 0.0; }
  return w[rowOffset + c];
}

@compute @workgroup_size(256)
fn output(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let row = wid.x + wid.y * groups.x;
  if (row >= sizes.rows) { return; }
  outputLayer(row, t);
}

// Row `row`'s logits = h·W + b, then its loss and dLogits (thread t of 256).
fn outputLayer(row: u32, t: u32) {
  let lane = t % CLASS_LANES;
  let slice = t / CLASS_LANES;
  let K = sizes.inputs;
  var acc = vec4<f32>(0.0);
  for (var k = slice; k < K; k += SLICES) {
    let at = k * sizes.classes;
    acc += h[row * K + k] * vec4<f32>(weight(at, lane), weight(at, lane + 4u), weight(at, lane + 8u), weight(at, lane + 12u));
  }
  partial[t] = acc;
  workgroupBarrier();
  // Slices s and s + half, for half = 32, 16, …, 1: slice 0 ends with the whole sums.
  for (var half = SLICES / 2u; half > 0u; half /= 2u) {
    if (slice < half) { partial[t] += partial[t + half * CLASS_LANES]; }
    workgroupBarrier();
  }
  if (slice == 0u) {
    let z = partial[lane];
    for (var j = 0u; j < 4u; j++) {
      let c = lane + CLASS_LANES * j;
      if (c < sizes.classes) { logits[row * sizes.classes + c] = z[j] + bias[c]; }
    }
  }
  // The row's logits are complete in storage before its loss reads them.
  storageBarrier();
  if (t == 0u) { rowLossAndError(row); }
}

// F(c, j) for c and j in range: where the rules differ, as hidden_signal.wgsl's feedback.
fn feedback(c: u32, j: u32) -> f32 {
  var v: f32;
  if (TRANSPOSED) {
    v = f[j * sizes.classes + c];
  } else if (SIGN_CONCORDANT) {
    v = f[c * sizes.inputs + j] * sign(w[j * sizes.classes + c]);
  } else {
    v = f[c * sizes.inputs + j];
  }
  return v;
}

// f′ at the activation's output y = f(a).
fn derivativeAtOutput(y: f32) -> f32 {
  switch ACTIVATION {
    case 1u: { return select(0.0, 1.0, y > 0.0); }
    case 2u: { return select(0.01, 1.0, y > 0.0); }
    case 3u: { return 1.0 - y * y; }
    case 4u: { return y * (1.0 - y); }
    default: { return 1.0; }
  }
}

var<workgroup> rowError: array<f32, 16>;  // the row's dLogits, for output_signal

@compute @workgroup_size(256)
fn output_signal(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let row = wid.x + wid.y * groups.x;
  if (row >= sizes.rows) { return; }
  outputLayer(row, t);
  // The row's dLogits are in storage before the workgroup reads them.
  storageBarrier();
  let C = sizes.classes;
  if (t < C) { rowError[t] = dLogits[row * C + t]; }
  workgroupBarrier();
  let H = sizes.inputs;
  for (var j = t; j < H; j += 256u) {
    var s = 0.0;
    for (var c = 0u; c < C; c++) { s += rowError[c] * feedback(c, j); }
    delta[row * H + j] = s * derivativeAtOutput(h[row * H + j]);
  }
}
