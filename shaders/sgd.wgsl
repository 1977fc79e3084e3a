// sgd: in-place SGD with momentum and weight decay, torch.optim.SGD's semantics:
//   g ← grad + weightDecay·θ;  v ← momentum·v + g;  θ ← θ − lr·v
// (v starts at zero, so the first step's v is its g, as torch starts it.) With momentum 0
// the velocity is neither read nor written.
// Entry points:
//   main:  one tensor θ [count]. With GRAD_TRANSPOSED, θ is [rows×cols] and its gradient is
//          read from grad stored [cols×rows]: Kolen-Pollack trains B_{k+1} with dW_{k+1}ᵀ
//          without materialising it.
//   layer: two tensors in one launch, θ [count] and θ2 [count2] (a layer's W and b): threads
//          0 … count − 1 take θ, the next count2 take θ2. One launch a layer instead of two.
// Dispatch: one thread per element, workgroups of 256, grid (x, y, 1) with
// x·y·256 ≥ count (+ count2) (y > 1 only when x would pass the per-dimension limit).

struct Params {
  count: u32,
  rows: u32,
  cols: u32,
  lr: f32,
  momentum: f32,
  weightDecay: f32,
  // θ2's elements (layer only)
  count2: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
// theta: [count] (= rows·cols), updated in place
@group(0) @binding(1) var<storage, read_write> theta: array<f32>;
// grad: [count], or [cols×rows] with GRAD_TRANSPOSED
@group(0) @binding(2) var<storage, read> grad: array<f32>;
// velocity: [count], updated in place when momentum > 0
@group(0) @binding(3) var<storage, read_write> velocity: array<f32>;
// theta2, grad2, velocity2: [count2], as theta, grad and velocity (layer only)
@group(0) @binding(4) var<storage, read_write> theta2: array<f32>;
@group(0) @binding(5) var<storage, read> grad2: array<f32>;
@group(0) @binding(6) var<storage, read_write> velocity2: array<f32>;

// Read grad transposed (θ [rows×cols], grad [cols×rows]); main only.
override GRAD_TRANSPOSED: bool = false;

// (θ, v) after one step from θ, its gradient and its velocity v (0 with momentum 0).
fn stepped(theta: f32, grad: f32, v: f32) -> vec2<f32> {
  var g = grad + params.weightDecay * theta;
  if (params.momentum != 0.0) { g = params.momentum * v + g; }
  return vec2<f32>(theta - params.lr * g, g);
}

fn flatIndex(gid: vec3<u32>, groups: vec3<u32>) -> u32 {
  return gid.x + gid.y * groups.x * 256u;
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flatIndex(gid, groups);
  if (i >= params.count) { return; }
  var gi = i;
  if (GRAD_TRANSPOSED) { gi = (i % params.cols) * params.rows + i / params.cols; }
  let m = params.momentum != 0.0;
  var v = 0.0;
  if (m) { v = velocity[i]; }
  let r = stepped(theta[i], grad[gi], v);
  theta[i] = r.x;
  if (m) { velocity[i] = r.y; }
}

@compute @workgroup_size(256)
fn layer(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flatIndex(gid, groups);
  let m = params.momentum != 0.0;
  var v = 0.0;
  if (i < params.count) {
    if (m) { v = velocity[i]; }
    let r = stepped(theta[i], grad[i], v);
    theta[i] = r.x;
    if (m) { velocity[i] = r.y; }
  } else if (i < params.count + params.count2) {
    let j = i - params.count;
    if (m) { v = velocity2[j]; }
    let r = stepped(theta2[j], grad2[j], v);
    theta2[j] = r.x;
    if (m) { velocity2[j] = r.y; }
  }
}
