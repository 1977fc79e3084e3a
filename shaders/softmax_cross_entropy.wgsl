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
//           or fewer. Workgroups of 16×16, grid (ceil(rows / 4), 1, 1): each takes 4 rows;
//           thread (x, y) sums h[i, k]·W[k, x] over k = y, y + 16, … for class x and the 4
//           rows, the 16 partial sums of each (row, class) are added in workgroup memory, and
//           then 4 threads do the loss of one row each, as main does.

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

const LANES = 16u;  // classes (x) and slices of K (y) of `output`
const ROWS = 4u;    // rows per workgroup of `output`, one per component of a vec4
var<workgroup> partial: array<vec4<f32>, 256>;  // [slice][class], a component per row

@compute @workgroup_size(16, 16)
fn output(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row0 = wid.x * ROWS;
  let c = lid.x;
  let K = sizes.inputs;
  var acc = vec4<f32>(0.0);
  if (c < sizes.classes) {
    // Rows past the end read the last row; their sums are never stored.
    let last = sizes.rows - 1u;
    let r0 = min(row0, last) * K;
    let r1 = min(row0 + 1u, last) * K;
    let r2 = min(row0 + 2u, last) * K;
    let r3 = min(row0 + 3u, last) * K;
    for (var k = lid.y; k < K; k += LANES) {
      acc += vec4<f32>(h[r0 + k], h[r1 + k], h[r2 + k], h[r3 + k]) * w[k * sizes.classes + c];
    }
  }
  partial[lid.y * LANES + c] = acc;
  workgroupBarrier();
  // Slices y and y + half, for half = 8, 4, 2, 1: slice 0 ends with the whole sums.
  for (var half = LANES / 2u; half > 0u; half /= 2u) {
    if (lid.y < half) { partial[lid.y * LANES + c] += partial[(lid.y + half) * LANES + c]; }
    workgroupBarrier();
  }
  if (lid.y == 0u && c < sizes.classes) {
    let z = partial[c] + bias[c];
    for (var r = 0u; r < ROWS; r++) {
      if (row0 + r < sizes.rows) { logits[(row0 + r) * sizes.classes + c] = z[r]; }
    }
  }
  // The workgroup's logits are complete in storage before its rows' losses read them.
  storageBarrier();
  let t = lid.y * LANES + lid.x;
  if (t < ROWS && row0 + t < sizes.rows) { rowLossAndError(row0 + t); }
}
