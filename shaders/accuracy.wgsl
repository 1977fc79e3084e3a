// accuracy: correct[i] = 1 if the largest output of row i (the first, on ties) is labels[i],
// else 0. column_sum over correct gives the batch's count of correct rows.
// Dispatch: one thread per row, workgroups of 64, grid (ceil(rows / 64), 1, 1).

struct Sizes {
  rows: u32,
  classes: u32,
}

@group(0) @binding(0) var<uniform> sizes: Sizes;
// z: [rows×classes]
@group(0) @binding(1) var<storage, read> z: array<f32>;
// labels: [rows] i32
@group(0) @binding(2) var<storage, read> labels: array<i32>;
// correct: [rows]
@group(0) @binding(3) var<storage, read_write> correct: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= sizes.rows) { return; }
  let base = i * sizes.classes;
  var best = 0u;
  for (var j = 1u; j < sizes.classes; j++) {
    if (z[base + j] > z[base + best]) { best = j; }
  }
  correct[i] = select(0.0, 1.0, i32(best) == labels[i]);
}
