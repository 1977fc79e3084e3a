// mse_loss: squared-error loss with an identity output.
//   rowLoss[i] = ½ Σ_j (z[i, j] − [j = labels[i]])² / rows   (so Σ_i rowLoss is the batch mean)
//   dOut[i, j] = (z[i, j] − [j = labels[i]]) / rows           (∂ mean loss / ∂ z)
// Dispatch: one thread per row, workgroups of 64, grid (ceil(rows / 64), 1, 1).

struct Sizes {
  rows: u32,
  classes: u32,
}

@group(0) @binding(0) var<uniform> sizes: Sizes;
// z: [rows×classes], the output layer's a_L
@group(0) @binding(1) var<storage, read> z: array<f32>;
// labels: [rows], each in 0 .. classes−1 (checked on the host)
@group(0) @binding(2) var<storage, read> labels: array<i32>;
// dOut: [rows×classes]
@group(0) @binding(3) var<storage, read_write> dOut: array<f32>;
// rowLoss: [rows]
@group(0) @binding(4) var<storage, read_write> rowLoss: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= sizes.rows) { return; }
  let base = i * sizes.classes;
  let y = u32(labels[i]);
  let scale = 1.0 / f32(sizes.rows);
  var sum = 0.0;
  for (var j = 0u; j < sizes.classes; j++) {
    let d = z[base + j] - select(0.0, 1.0, j == y);
    dOut[base + j] = d * scale;
    sum += d * d;
  }
  rowLoss[i] = 0.5 * sum * scale;
}
