// bias_activation: the forward epilogue of a layer.
//   main:     pre[i, j] += bias[j];  out[i, j] = f(pre[i, j])   (hidden layers)
//   add_bias: pre[i, j] += bias[j]                              (the output layer's logits)
//   sum_main: pre[i, j] = Σ_z partials[z, i, j] + bias[j];  out[i, j] = f(pre[i, j])
//             (hidden layers whose product h·W was split over K: matmul.wgsl's partial
//             products added here, in layer order, instead of by a column_sum launch before)
// pre keeps the pre-activation a = h·W + b, which the backward pass needs for f′(a)
// (for ReLU, the mask a > 0).
// Dispatch: one thread per element, workgroups of 256, grid (x, y, 1) with
// x·y·256 ≥ rows·cols (y > 1 only when x would pass the per-dimension limit).

struct Sizes {
  rows: u32,
  cols: u32,
  // split-K layers in partials (sum_main only)
  layers: u32,
}

@group(0) @binding(0) var<uniform> sizes: Sizes;
// pre: [rows×cols], h·W on entry, h·W + b on exit
@group(0) @binding(1) var<storage, read_write> pre: array<f32>;
// bias: [cols]
@group(0) @binding(2) var<storage, read> bias: array<f32>;
// out: [rows×cols], f(pre); bound for `main` and `sum_main`
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
// partials: [layers×rows×cols], split-K's partial products of h·W; bound only for `sum_main`
@group(0) @binding(4) var<storage, read> partials: array<f32>;

// f: 0 linear, 1 relu, 2 leaky-relu (slope 0.01), 3 tanh, 4 sigmoid
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

fn flatIndex(gid: vec3<u32>, groups: vec3<u32>) -> u32 {
  return gid.x + gid.y * groups.x * 256u;
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flatIndex(gid, groups);
  if (i >= sizes.rows * sizes.cols) { return; }
  let v = pre[i] + bias[i % sizes.cols];
  pre[i] = v;
  out[i] = activate(v);
}

@compute @workgroup_size(256)
fn add_bias(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flatIndex(gid, groups);
  if (i >= sizes.rows * sizes.cols) { return; }
  pre[i] += bias[i % sizes.cols];
}

@compute @workgroup_size(256)
fn sum_main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flatIndex(gid, groups);
  let count = sizes.rows * sizes.cols;
  if (i >= count) { return; }
  var s = 0.0;
  for (var z = 0u; z < sizes.layers; z++) { s += partials[z * count + i]; }
  let v = s + bias[i % sizes.cols];
  pre[i] = v;
  out[i] = activate(v);
}
