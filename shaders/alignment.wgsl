// alignment: the sums behind the alignment metrics (angles and norm ratios).
//   dot_norms: out[3·slot + 0] = Σ_i a[i]·b′[i], out[3·slot + 1] = Σ a[i]², out[3·slot + 2] = Σ b′[i]²
//              with b′ = b, or with B_TRANSPOSED b′[r·cols + c] = b[c·rows + r] (a read as
//              [rows×cols], b stored [cols×rows]: compares B_{k+1} with W_{k+1}ᵀ in place)
//   effective_feedback: out[c, j] = m[c, j] · sign(w[j, c]), the sign-concordant feedback
//              M ⊙ sign(W)ᵀ, m [rows×cols], w [cols×rows]
// The host turns the sums into angle = acos(Σab / √(Σa²·Σb²)) and ratio = √(Σa² / Σb²).
// Dispatch: dot_norms: (1, 1, 1), one workgroup of 256 threads, strided loop then a tree
// reduction in workgroup memory; effective_feedback: one thread per element, workgroups of
// 256, grid (x, y, 1) with x·y·256 ≥ rows·cols.

struct Params {
  rows: u32,
  cols: u32,
  slot: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
// a: [rows×cols]
@group(0) @binding(1) var<storage, read> a: array<f32>;
// b: [rows×cols], or [cols×rows] with B_TRANSPOSED (w for effective_feedback)
@group(0) @binding(2) var<storage, read> b: array<f32>;
// out: dot_norms: [3·slots]; effective_feedback: [rows×cols]
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

// Read b as the transpose of a [cols×rows] matrix.
override B_TRANSPOSED: bool = false;

var<workgroup> partial: array<vec3<f32>, 256>;

fn bAt(i: u32) -> f32 {
  if (B_TRANSPOSED) { return b[(i % params.cols) * params.rows + i / params.cols]; }
  return b[i];
}

@compute @workgroup_size(256)
fn dot_norms(@builtin(local_invocation_index) t: u32) {
  let count = params.rows * params.cols;
  var acc = vec3<f32>(0.0);
  for (var i = t; i < count; i += 256u) {
    let x = a[i];
    let y = bAt(i);
    acc += vec3<f32>(x * y, x * x, y * y);
  }
  partial[t] = acc;
  workgroupBarrier();
  for (var stride = 128u; stride > 0u; stride >>= 1u) {
    if (t < stride) { partial[t] += partial[t + stride]; }
    workgroupBarrier();
  }
  if (t == 0u) {
    out[3u * params.slot] = partial[0].x;
    out[3u * params.slot + 1u] = partial[0].y;
    out[3u * params.slot + 2u] = partial[0].z;
  }
}

@compute @workgroup_size(256)
fn effective_feedback(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * 256u;
  if (i >= params.rows * params.cols) { return; }
  // a is m [rows×cols]; b is w [cols×rows]
  out[i] = a[i] * sign(b[(i % params.cols) * params.rows + i / params.cols]);
}
