// column_sum: out[j] = Σ_i g[i, j] for g [rows×cols].
// Used for bias gradients (db = Σ_rows δ) and for the batch loss (Σ of rowLoss as [rows×1]).
// Dispatch: one thread per column, workgroups of 64, grid (ceil(cols / 64), 1, 1);
// each thread walks the rows in order, so neighbouring threads read neighbouring addresses.

struct Sizes {
  rows: u32,
  cols: u32,
}

@group(0) @binding(0) var<uniform> sizes: Sizes;
// g: [rows×cols]
@group(0) @binding(1) var<storage, read> g: array<f32>;
// out: [cols]
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j = gid.x;
  if (j >= sizes.cols) { return; }
  var s = 0.0;
  for (var i = 0u; i < sizes.rows; i++) { s += g[i * sizes.cols + j]; }
  out[j] = s;
}
