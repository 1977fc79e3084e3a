// column_sum: out[j] = Σ_i g[i, j] for g [rows×cols].
// Used for bias gradients (db = Σ_rows δ), for the batch loss (Σ of rowLoss as [rows×1]) and to
// add split-K's partial products (rows = layers). main and lanes give one result up to rounding:
//   main (CPU adapters; GPUs for 65,536 columns or more, which make threads enough): one thread
//     per column, workgroups of 64, grid (ceil(cols / 64), 1, 1); each thread walks the rows in
//     order, so neighbouring threads read neighbouring addresses.
//   lanes (GPUs): workgroups of 16×16, grid (ceil(cols / 16), 1, 1) (the host takes main where
//     that passes the per-dimension limit): 16 columns, each summed by
//     16 lanes (lane y takes rows y, y + 16, …), whose partial sums are then added in workgroup
//     memory. On a GPU a thread's walk down the rows is latency-bound (db of 256 rows × 10
//     columns took 0.05 ms on an H100 with main); the lanes make it 16 times shorter.
//   masked: a thread a column as main, times f′(pre[j]): hidden_signal.wgsl's split-K layers
//     (rows = layers, cols = batch × hidden) added and masked into δ. Binds pre [cols] as aux.
//     Its columns are many (a batch times a layer), so its grid folds into y past the
//     per-dimension limit: (x, y, 1) with x·y·64 ≥ cols, column gid.x + gid.y·x·64.
//   main_update, lanes_update: as main and lanes, out being the gradient of a tensor θ [cols]
//     (a bias's db, or dW from split-K's partial products): stores it and steps θ with it in
//     the same launch (sgd.wgsl's rule; group 1 binds the optimizer's settings, θ and its
//     velocity), one launch instead of two.
//   lanes_loss_update, main_loss_update: as lanes_update and main_update, and one column
//     more: lossSum[0] = Σ_i rowLoss[i] (rowLoss [rows] bound as aux), grid over cols + 1
//     columns. The output layer's bias gradient, b's step and the batch loss (the mean:
//     rowLoss is divided by rows) in one launch.

struct Sizes {
  rows: u32,
  cols: u32,
}

@group(0) @binding(0) var<uniform> sizes: Sizes;
// g: [rows×cols]
@group(0) @binding(1) var<storage, read> g: array<f32>;
// out: [cols]
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
// aux: masked: pre [cols], the pre-activation whose f′ masks the sums; the _loss_update entry points: rowLoss [rows]
@group(0) @binding(3) var<storage, read> aux: array<f32>;
// lossSum: [1], Σ rowLoss (lanes_loss_update, main_loss_update)
@group(0) @binding(4) var<storage, read_write> lossSum: array<f32>;

// The update's group (the _update entry points; sgd.wgsl has the rule): the optimizer's
// settings, θ [cols] whose gradient out is, and its velocity (read and written only with
// momentum).
struct Settings {
  lr: f32,
  momentum: f32,
  weightDecay: f32,
}

@group(1) @binding(0) var<uniform> settings: Settings;
@group(1) @binding(1) var<storage, read_write> theta: array<f32>;
@group(1) @binding(2) var<storage, read_write> velocity: array<f32>;

// f′ for `masked`: 0 linear, 1 relu, 2 leaky-relu (slope 0.01), 3 tanh, 4 sigmoid (as hidden_signal.wgsl)
override ACTIVATION: u32 = 1u;

fn derivative(x: f32) -> f32 {
  switch ACTIVATION {
    case 1u: { return select(0.0, 1.0, x > 0.0); }
    case 2u: { return select(0.01, 1.0, x > 0.0); }
    case 3u: { let t = tanh(x); return 1.0 - t * t; }
    case 4u: { let s = 1.0 / (1.0 + exp(-x)); return s * (1.0 - s); }
    default: { return 1.0; }
  }
}

// Σ_i g[i, j], the rows in order.
fn serialSum(j: u32) -> f32 {
  var s = 0.0;
  for (var i = 0u; i < sizes.rows; i++) { s += g[i * sizes.cols + j]; }
  return s;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j = gid.x;
  if (j >= sizes.cols) { return; }
  out[j] = serialSum(j);
}

@compute @workgroup_size(64)
fn main_update(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j = gid.x;
  if (j >= sizes.cols) { return; }
  storeAndStep(j, serialSum(j));
}

@compute @workgroup_size(64)
fn main_loss_update(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j = gid.x;
  if (j < sizes.cols) {
    storeAndStep(j, serialSum(j));
  } else if (j == sizes.cols) {
    var s = 0.0;
    for (var i = 0u; i < sizes.rows; i++) { s += aux[i]; }
    lossSum[0] = s;
  }
}

@compute @workgroup_size(64)
fn masked(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let j = gid.x + gid.y * groups.x * 64u;
  if (j >= sizes.cols) { return; }
  out[j] = serialSum(j) * derivative(aux[j]);
}

const LANES = 16u;
var<workgroup> partial: array<f32, 256>;  // [lane][column]

// Lane `lane`'s part of column j's sum: rows lane, lane + 16, …; 0 past the last column.
fn lanePart(j: u32, lane: u32) -> f32 {
  var s = 0.0;
  if (j < sizes.cols) {
    for (var i = lane; i < sizes.rows; i += LANES) { s += g[i * sizes.cols + j]; }
  }
  return s;
}

// The sum of the workgroup's 16 lanes of column lid.x, each lane's s given; valid in lane 0.
fn addLanes(lid: vec3<u32>, s: f32) -> f32 {
  partial[lid.y * LANES + lid.x] = s;
  workgroupBarrier();
  // Lanes y and y + half, for half = 8, 4, 2, 1: lane 0 ends with the column's sum.
  for (var half = LANES / 2u; half > 0u; half /= 2u) {
    if (lid.y < half) { partial[lid.y * LANES + lid.x] += partial[(lid.y + half) * LANES + lid.x]; }
    workgroupBarrier();
  }
  return partial[lid.x];
}

@compute @workgroup_size(16, 16)
fn lanes(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let j = wid.x * LANES + lid.x;
  let total = addLanes(lid, lanePart(j, lid.y));
  if (lid.y == 0u && j < sizes.cols) { out[j] = total; }
}

@compute @workgroup_size(16, 16)
fn lanes_update(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let j = wid.x * LANES + lid.x;
  let total = addLanes(lid, lanePart(j, lid.y));
  if (lid.y == 0u && j < sizes.cols) { storeAndStep(j, total); }
}

@compute @workgroup_size(16, 16)
fn lanes_loss_update(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let j = wid.x * LANES + lid.x;
  var s = lanePart(j, lid.y);
  if (j == sizes.cols) {
    for (var i = lid.y; i < sizes.rows; i += LANES) { s += aux[i]; }
  }
  let total = addLanes(lid, s);
  if (lid.y == 0u) {
    if (j < sizes.cols) { storeAndStep(j, total); } else if (j == sizes.cols) { lossSum[0] = total; }
  }
}

// out[j] = the gradient g, and θ[j] stepped with it; the velocity read and written only with momentum.
fn storeAndStep(j: u32, grad: f32) {
  out[j] = grad;
  let m = settings.momentum != 0.0;
  var v = 0.0;
  if (m) { v = velocity[j]; }
  let r = stepped(theta[j], grad, v);
  theta[j] = r.x;
  if (m) { velocity[j] = r.y; }
}

// (θ, v) after one SGD step from θ, its gradient and its velocity v (sgd.wgsl's `stepped`).
fn stepped(theta: f32, grad: f32, v: f32) -> vec2<f32> {
  var g = grad + settings.weightDecay * theta;
  if (settings.momentum != 0.0) { g = settings.momentum * v + g; }
  return vec2<f32>(theta - settings.lr * g, g);
}
