// sgd: in-place update θ[i] ← θ[i] − lr · grad[i] over `count` elements.
// Dispatch: one thread per element, workgroups of 256, grid (x, y, 1) with
// x·y·256 ≥ count (y > 1 only when x would pass the per-dimension limit).

struct Params {
  count: u32,
  lr: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
// theta: [count], updated in place
@group(0) @binding(1) var<storage, read_write> theta: array<f32>;
// grad: [count]
@group(0) @binding(2) var<storage, read> grad: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * 256u;
  if (i >= params.count) { return; }
  theta[i] -= params.lr * grad[i];
}
