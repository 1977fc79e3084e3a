// matmul: C = op(A) · op(B), all f32, row-major.
//   op(A) is [M×K]: A stored [M×K], or with TRANS_A the transpose of A stored [K×M]
//   op(B) is [K×N]: B stored [K×N], or with TRANS_B the transpose of B stored [N×K]
// The backward pass needs hᵀ·δ for dW (TRANS_A); backprop's δ·Wᵀ is hidden_signal.wgsl's
// (TRANSPOSED), masked as it is stored. TRANS_B completes the contract (the benchmarks time it).
// Transposes are read in place, never materialised.
// Dispatch: (ceil(N / 32), ceil(M / 32), layers) workgroups of 8×8 threads. Each workgroup makes a
// 32×32 tile of C; each thread a 4×4 block (every 8th row and column of the tile: rows
// 8i + ty, columns 8j + tx) held in four named vec4 registers (an indexed accumulator array is
// spilled to memory by some compilers). K is walked in slabs of 16
// staged through workgroup memory; out-of-range rows and columns read as zero.
// Split-K (a grid of z > 1 workgroup layers): layer z sums only k in [z·kChunk, (z+1)·kChunk)
// and writes its partial product to C + z·M·N; a column_sum over the layers gives op(A)·op(B).
// For products with few tiles of C and a long K (a batch of 128 through 784 inputs), it gives
// the GPU more workgroups to run. kChunk is a multiple of 16; without split-K, kChunk = K, z = 1.
// main_bias_act: as main (no split-K), C being a hidden layer's pre-activation a = h·W: adds
// the bias, C = a + b, and writes out = f(a + b) (ACTIVATION): the forward product and its
// epilogue in one launch. main_bias: C = h·W + b (the logits). bias_activation.wgsl does the
// same after a separate product (split-K, matmul_vec4, matmul_pipelined).
// main_update: as main (no split-K), C being the gradient of a tensor θ [M×N] (dW = hᵀ·δ):
// stores it, and steps θ with it in the same launch (sgd.wgsl's rule; group 1 binds the
// optimizer's settings, θ and its velocity), one launch instead of two.
// main_sums_update: as main_update, plus one more row of workgroups (wid.y = ceil(M / 32)) that
// writes sums[j] = Σ_k op(B)[k, j] and steps θ2 [N] with it: a layer's bias gradient
// db = Σ_rows δ and b's step beside dW and W's, one launch for the layer's whole backward
// product and update. 32 columns a workgroup, 2 lanes a column.
// main_sums_loss_update: as main_sums_update, and one column more in the sums' row:
// lossSum[0] = Σ_k rowLoss[k] (rowLoss [K]), the batch loss beside the output layer's dW, db
// and steps (the mean: rowLoss is divided by the batch). Grid x covers N + 1 columns; product
// tiles past N return at once. Ten storage buffers: on devices that allow fewer (and where dW
// is split or made by matmul_vec4 or matmul_pipelined) the host takes column_sum's lanes_loss_update or
// main_loss_update for db and the loss instead.

struct Sizes {
  M: u32,
  N: u32,
  K: u32,
  kChunk: u32,
}

@group(0) @binding(0) var<uniform> sizes: Sizes;
// A: [M×K], or [K×M] with TRANS_A
@group(0) @binding(1) var<storage, read> a: array<f32>;
// B: [K×N], or [N×K] with TRANS_B
@group(0) @binding(2) var<storage, read> b: array<f32>;
// C: [M×N], overwritten; with split-K [layers×M×N], one partial product per layer
@group(0) @binding(3) var<storage, read_write> c: array<f32>;
// sums: [N], op(B)'s column sums (main_sums_update, main_sums_loss_update)
@group(0) @binding(4) var<storage, read_write> sums: array<f32>;
// rowLoss: [K], per-row losses, and lossSum: [1], their sum (main_sums_loss_update only)
@group(0) @binding(5) var<storage, read> rowLoss: array<f32>;
@group(0) @binding(6) var<storage, read_write> lossSum: array<f32>;
// bias: [N] (main_bias, main_bias_act), and out: [M×N], f(C) (main_bias_act)
@group(0) @binding(7) var<storage, read> bias: array<f32>;
@group(0) @binding(8) var<storage, read_write> out: array<f32>;

// The update's group (the _update entry points; sgd.wgsl has the rule): the optimizer's
// settings, θ [M×N] whose gradient C is, θ2 [N] whose gradient the sums are (main_sums_update),
// and their velocities (read and written only with momentum).
struct Settings {
  lr: f32,
  momentum: f32,
  weightDecay: f32,
}

@group(1) @binding(0) var<uniform> settings: Settings;
@group(1) @binding(1) var<storage, read_write> theta: array<f32>;
@group(1) @binding(2) var<storage, read_write> velocity: array<f32>;
@group(1) @binding(3) var<storage, read_write> theta2: array<f32>;
@group(1) @binding(4) var<storage, read_write> velocity2: array<f32>;

// f of main_bias_act: 0 linear, 1 relu, 2 leaky-relu (slope 0.01), 3 tanh, 4 sigmoid (as bias_activation.wgsl)
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

// Read A as stored [K×M] (op(A) = Aᵀ).
override TRANS_A: bool = false;
// Read B as stored [N×K] (op(B) = Bᵀ).
override TRANS_B: bool = false;

const TILE = 32u;   // rows and columns of C per workgroup
const SLAB = 16u;   // K per staging step
const LANES = 8u;   // TILE / 4: threads per tile edge, vec4s per tile row; also the stride
                    // between a thread's rows (and columns) of C

// tileA[k * LANES + q] holds op(A)[row0 + q + 8i, k0 + k] in component i; tileB likewise for
// columns: a thread's 4×4 block of C takes every 8th row and column of the tile, so that each
// of its reads and stores, across the 8 threads of a tile edge, touches 8 consecutive values.
var<workgroup> tileA: array<vec4<f32>, 128>;  // SLAB * LANES
var<workgroup> tileB: array<vec4<f32>, 128>;

// op(A)[row, k], zero outside the matrix
fn loadA(row: u32, k: u32) -> f32 {
  if (row >= sizes.M || k >= sizes.K) { return 0.0; }
  if (TRANS_A) { return a[k * sizes.M + row]; }
  return a[row * sizes.K + k];
}

// op(B)[k, col], zero outside the matrix
fn loadB(k: u32, col: u32) -> f32 {
  if (k >= sizes.K || col >= sizes.N) { return 0.0; }
  if (TRANS_B) { return b[col * sizes.K + k]; }
  return b[k * sizes.N + col];
}

// A thread's 4×4 block of C: rows row + 8i, columns col + 8j (i, j = 0 … 3); r_i is row
// row + 8i, its component j column col + 8j.
struct Block {
  row: u32,
  col: u32,
  r0: vec4<f32>,
  r1: vec4<f32>,
  r2: vec4<f32>,
  r3: vec4<f32>,
}

@compute @workgroup_size(8, 8)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let p = product(wid, lid);
  let layer = wid.z * sizes.M * sizes.N;
  store(layer, p.row, p.col, p.r0);
  store(layer, p.row + LANES, p.col, p.r1);
  store(layer, p.row + 2u * LANES, p.col, p.r2);
  store(layer, p.row + 3u * LANES, p.col, p.r3);
}

@compute @workgroup_size(8, 8)
fn main_bias(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let p = product(wid, lid);
  storeBiased(p.row, p.col, p.r0);
  storeBiased(p.row + LANES, p.col, p.r1);
  storeBiased(p.row + 2u * LANES, p.col, p.r2);
  storeBiased(p.row + 3u * LANES, p.col, p.r3);
}

@compute @workgroup_size(8, 8)
fn main_bias_act(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let p = product(wid, lid);
  storeActivated(p.row, p.col, p.r0);
  storeActivated(p.row + LANES, p.col, p.r1);
  storeActivated(p.row + 2u * LANES, p.col, p.r2);
  storeActivated(p.row + 3u * LANES, p.col, p.r3);
}

@compute @workgroup_size(8, 8)
fn main_update(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  storeAndStep(product(wid, lid));
}

var<workgroup> laneSums: array<f32, 64>;  // [lane][column] of the sums' row

@compute @workgroup_size(8, 8)
fn main_sums_update(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  if (wid.y < (sizes.M + TILE - 1u) / TILE) {
    storeAndStep(product(wid, lid));
    return;
  }
  let t = lid.y * LANES + lid.x;
  let col = wid.x * TILE + t % TILE;
  let total = columnTotal(t, col, 0.0);
  if (t < TILE && col < sizes.N) { storeSumAndStep(col, total); }
}

@compute @workgroup_size(8, 8)
fn main_sums_loss_update(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  if (wid.y < (sizes.M + TILE - 1u) / TILE) {
    // (wid.x is the same for the whole workgroup: the barriers in product stay uniform)
    if (wid.x * TILE >= sizes.N) { return; }
    storeAndStep(product(wid, lid));
    return;
  }
  let t = lid.y * LANES + lid.x;
  let col = wid.x * TILE + t % TILE;
  // Column N: this lane's part of Σ rowLoss, k = lane, lane + 2, …
  var loss = 0.0;
  if (col == sizes.N) {
    for (var k = t / TILE; k < sizes.K; k += 2u) { loss += rowLoss[k]; }
  }
  let total = columnTotal(t, col, loss);
  if (t < TILE) {
    if (col < sizes.N) { storeSumAndStep(col, total); } else if (col == sizes.N) { lossSum[0] = total; }
  }
}

// The sums' row: thread t takes column col (= col0 + t % 32) in lane t / 32, k = lane, lane + 2,
// … (nothing past N), plus `extra`; the column's total, valid in threads t < 32.
fn columnTotal(t: u32, col: u32, extra: f32) -> f32 {
  var s = extra;
  for (var k = t / TILE; k < sizes.K; k += 2u) { s += loadB(k, col); }
  laneSums[t] = s;
  workgroupBarrier();
  return laneSums[t] + laneSums[(t + TILE) % 64u];
}

// The thread's 4×4 block of the 32×32 tile of C (of its split-K layer) at workgroup wid.
fn product(wid: vec3<u32>, lid: vec3<u32>) -> Block {
  let row0 = wid.y * TILE;
  let col0 = wid.x * TILE;
  let t = lid.y * LANES + lid.x;  // 0..63

  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);

  let kBegin = wid.z * sizes.kChunk;
  let kEnd = min(sizes.K, kBegin + sizes.kChunk);
  for (var k0 = kBegin; k0 < kEnd; k0 += SLAB) {
    // 128 vec4 slots per tile, 2 per thread, each filled whole by one thread (threads writing
    // different components of one vec4 would race: WGSL lets a component's write touch the
    // whole vector, and FXC's lowering does). Consecutive threads walk the stored matrix's
    // contiguous dimension: k where it is k (A, Bᵀ: a warp reads 2 rows × 16 k an
    // instruction), the slot's first row or column where it is those (Aᵀ, B: 8 consecutive
    // values × 4 k an instruction, the slot's next rows 8 further on).
    for (var p = 0u; p < 2u; p++) {
      var k: u32; var q: u32;
      if (TRANS_A) { q = t % LANES; k = t / LANES + 8u * p; } else { k = t % SLAB; q = t / SLAB + 4u * p; }
      let r = row0 + q;
      tileA[k * LANES + q] = vec4<f32>(loadA(r, k0 + k), loadA(r + LANES, k0 + k), loadA(r + 2u * LANES, k0 + k), loadA(r + 3u * LANES, k0 + k));
      var kb: u32; var qb: u32;
      if (TRANS_B) { kb = t % SLAB; qb = t / SLAB + 4u * p; } else { qb = t % LANES; kb = t / LANES + 8u * p; }
      let n = col0 + qb;
      tileB[kb * LANES + qb] = vec4<f32>(loadB(k0 + kb, n), loadB(k0 + kb, n + LANES), loadB(k0 + kb, n + 2u * LANES), loadB(k0 + kb, n + 3u * LANES));
    }
    workgroupBarrier();
    for (var k = 0u; k < SLAB; k++) {
      let av = tileA[k * LANES + lid.y];  // rows lid.y + 8i
      let bv = tileB[k * LANES + lid.x];  // columns lid.x + 8j
      acc0 += av.x * bv;
      acc1 += av.y * bv;
      acc2 += av.z * bv;
      acc3 += av.w * bv;
    }
    workgroupBarrier();
  }

  return Block(row0 + lid.y, col0 + lid.x, acc0, acc1, acc2, acc3);
}

// Writes the in-range part of a block's row, columns col + 8i, of C (of its layer, with split-K).
fn store(layer: u32, row: u32, col: u32, v: vec4<f32>) {
  if (row >= sizes.M) { return; }
  let base = layer + row * sizes.N;
  for (var i = 0u; i < 4u; i++) {
    let j = col + i * LANES;
    if (j < sizes.N) { c[base + j] = v[i]; }
  }
}

// (θ, v) after one SGD step from θ, its gradient and its velocity v (sgd.wgsl's `stepped`).
fn stepped(theta: f32, grad: f32, v: f32) -> vec2<f32> {
  var g = grad + settings.weightDecay * theta;
  if (settings.momentum != 0.0) { g = settings.momentum * v + g; }
  return vec2<f32>(theta - settings.lr * g, g);
}

// Stores the in-range part of a block of C (unsplit), and steps θ there with it.
fn storeAndStep(p: Block) {
  storeRowAndStep(p.row, p.col, p.r0);
  storeRowAndStep(p.row + LANES, p.col, p.r1);
  storeRowAndStep(p.row + 2u * LANES, p.col, p.r2);
  storeRowAndStep(p.row + 3u * LANES, p.col, p.r3);
}

fn storeRowAndStep(row: u32, col: u32, g: vec4<f32>) {
  if (row >= sizes.M) { return; }
  for (var i = 0u; i < 4u; i++) {
    let j = col + i * LANES;
    if (j < sizes.N) {
      let e = row * sizes.N + j;
      c[e] = g[i];
      step(e, g[i]);
    }
  }
}

// θ[e] stepped with its gradient; the velocity read and written only with momentum.
fn step(e: u32, grad: f32) {
  let m = settings.momentum != 0.0;
  var v = 0.0;
  if (m) { v = velocity[e]; }
  let r = stepped(theta[e], grad, v);
  theta[e] = r.x;
  if (m) { velocity[e] = r.y; }
}

// sums[j] = θ2's gradient, and θ2[j] stepped with it, as `step`.
fn storeSumAndStep(j: u32, grad: f32) {
  sums[j] = grad;
  let m = settings.momentum != 0.0;
  var v = 0.0;
  if (m) { v = velocity2[j]; }
  let r = stepped(theta2[j], grad, v);
  theta2[j] = r.x;
  if (m) { velocity2[j] = r.y; }
}

// C = v + bias over the in-range part of a block's row (unsplit).
fn storeBiased(row: u32, col: u32, v: vec4<f32>) {
  if (row >= sizes.M) { return; }
  for (var i = 0u; i < 4u; i++) {
    let j = col + i * LANES;
    if (j < sizes.N) { c[row * sizes.N + j] = v[i] + bias[j]; }
  }
}

// C = v + bias and out = f(C) over the in-range part of a block's row (unsplit).
fn storeActivated(row: u32, col: u32, v: vec4<f32>) {
  if (row >= sizes.M) { return; }
  for (var i = 0u; i < 4u; i++) {
    let j = col + i * LANES;
    if (j < sizes.N) {
      let e = row * sizes.N + j;
      let x = v[i] + bias[j];
      c[e] = x;
      out[e] = activate(x);
    }
  }
}
