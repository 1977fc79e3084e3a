// softmax_cross_entropy: loss and output error of a batch.
//   p = softmax(logits[i, :])                       (max subtracted first)
//   rowLoss[i] = −log p[labels[i]] / rows           (so Σ_i rowLoss is the batch mean)
//   dLogits[i, j] = (p[j] − [j = labels[i]]) / rows (∂ mean loss / ∂ logits)
// For the label's class, 1 − p and −log p are computed from the other classes' mass, not
// by subtracting from 1: a well-fitted row has p ≈ 1, and the subtraction would lose
// almost every digit of its loss and gradient.
// Dispatch: one thread per row, workgroups of 64, grid (ceil(rows / 64), 1, 1).

struct Sizes {
  rows: u32,
  classes: u32,
}

@group(0) @binding(0) var<uniform> sizes: Sizes;
// logits: [rows×classes]
@group(0) @binding(1) var<storage, read> logits: array<f32>;
// labels: [rows], each in 0 .. classes−1 (checked on the host)
@group(0) @binding(2) var<storage, read> labels: array<i32>;
// dLogits: [rows×classes]
@group(0) @binding(3) var<storage, read_write> dLogits: array<f32>;
// rowLoss: [rows]
@group(0) @binding(4) var<storage, read_write> rowLoss: array<f32>;

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
