// sgd: in-place SGD with momentum and weight decay, torch.optim.SGD's semantics:
//   g ← grad + weightDecay·θ;  v ← momentum·v + g;  θ ← θ − lr·v
// (v starts at zero, so the first step's v is its g, as torch starts it.) With momentum 0
// the velocity is neither read nor written.
// With GRAD_TRANSPOSED, θ is [rows×cols] and its gradient is read from grad stored
// [cols×rows]: Kolen-Pollack trains B_{k+1} with dW_{k+1}ᵀ without materialising it.
// Dispatch: one thread per element, workgroups of 256, grid (x, y, 1) with
// x·y·256 ≥ count (y > 1 only when x would pass the per-dimension limit).

struct Params {
  count: u32,
  rows: u32,
  cols: u32,
  lr: f32,
  momentum: f32,
  weightDecay: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
// theta: [count] (= rows·cols), updated in place
@group(0) @binding(1) var<storage, read_write> theta: array<f32>;
// grad: [count], or [cols×rows] with GRAD_TRANSPOSED
@group(0) @binding(2) var<storage, read> grad: array<f32>;
// velocity: [count], updated in place when momentum > 0
@group(0) @binding(3) var<storage, read_write> velocity: array<f32>;

// Read grad transposed (θ [rows×cols], grad [cols×rows]).
override GRAD_TRANSPOSED: bool = false;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * 256u;
  if (i >= params.count) { return; }
  var gi = i;
  if (GRAD_TRANSPOSED) { gi = (i % params.cols) * params.rows + i / params.cols; }
  var g = grad[gi] + params.weightDecay * theta[i];
  if (params.momentum != 0.0) {
    g = params.momentum * velocity[i] + g;
    velocity[i] = g;
  }
  theta[i] -= params.lr * g;
}
