// sgd: in-place SGD with momentum and weight decay, torch.optim.SGD's semantics:
//   g ← grad + weightDecay·θ;  v ← momentum·v + g;  θ ← θ − lr·v
// (v starts at zero, so the first step's v is its g, as torch starts it.) With momentum 0
// the velocity is neither read nor written.
// Most tensors take this step in the launch that makes their gradient (the `_update` entry
// points of matmul.wgsl, matmul_direct.wgsl and column_sum.wgsl, which repeat `stepped`
// below and bind the same group 1). This kernel steps the rest: Kolen-Pollack's B, and W where
// matmul_vec4 or matmul_pipelined made dW.
// Group 0 is the kernel's own: its sizes and the gradient. Group 1 is the update's, as in
// every kernel that steps a tensor: the network's optimizer settings (one uniform buffer,
// rewritten when they change) and the tensor with its velocity.
// With GRAD_TRANSPOSED, θ is [rows×cols] and its gradient is read from grad stored
// [cols×rows]: Kolen-Pollack trains B_{k+1} with dW_{k+1}ᵀ without materialising it.
// Dispatch: one thread per element, workgroups of 256, grid (x, y, 1) with x·y·256 ≥ count
// (y > 1 only when x would pass the per-dimension limit).

struct Sizes {
  count: u32,
  rows: u32,
  cols: u32,
}

@group(0) @binding(0) var<uniform> sizes: Sizes;
// grad: [count], or [cols×rows] with GRAD_TRANSPOSED
@group(0) @binding(1) var<storage, read> grad: array<f32>;

struct Settings {
  lr: f32,
  momentum: f32,
  weightDecay: f32,
}

@group(1) @binding(0) var<uniform> settings: Settings;
// theta: [count] (= rows·cols), updated in place
@group(1) @binding(1) var<storage, read_write> theta: array<f32>;
// velocity: [count], updated in place when momentum > 0
@group(1) @binding(2) var<storage, read_write> velocity: array<f32>;

// Read grad transposed (θ [rows×cols], grad [cols×rows]).
override GRAD_TRANSPOSED: bool = false;

// (θ, v) after one step from θ, its gradient and its velocity v (0 with momentum 0).
fn stepped(theta: f32, grad: f32, v: f32) -> vec2<f32> {
  var g = grad + settings.weightDecay * theta;
  if (settings.momentum != 0.0) { g = settings.momentum * v + g; }
  return vec2<f32>(theta - settings.lr * g, g);
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * 256u;
  if (i >= sizes.count) { return; }
  var gi = i;
  if (GRAD_TRANSPOSED) { gi = (i % sizes.cols) * sizes.rows + i / sizes.cols; }
  let m = settings.momentum != 0.0;
  var v = 0.0;
  if (m) { v = velocity[i]; }
  let r = stepped(theta[i], grad[gi], v);
  theta[i] = r.x;
  if (m) { velocity[i] = r.y; }
}
