// hidden_signal: the error signal of a hidden layer, where the rules depart from backprop.
//   delta[i, j] = (Σ_c e[i, c] · F(c, j)) · f′(pre[i, j])
//   FA, KP, DFA: F(c, j) = B[c, j], B stored [classes×hidden]: a feedback matrix, not Wᵀ
//   BP:          F(c, j) = W[j, c], W stored [hidden×classes]: the forward weights, read transposed
//   USF, FRSF, BRSF (SIGN_CONCORDANT): F(c, j) = M[c, j] · sign(W[j, c]), magnitudes M with the
//                signs of Wᵀ
// e is the error the signal comes from, [rows×classes]: δ of the layer above, or the output
// error for DFA (then classes is the output width). With ACTIVATION 0 (linear, f′ = 1) the
// kernel gives the unmasked signal s = e·F that the alignment metrics compare.
// Dispatch: one thread per element of delta, workgroups of 16×16,
// grid (ceil(hidden / 16), ceil(rows / 16), 1).

struct Sizes {
  rows: u32,
  hidden: u32,
  classes: u32,
}

@group(0) @binding(0) var<uniform> sizes: Sizes;
// e: [rows×classes]
@group(0) @binding(1) var<storage, read> e: array<f32>;
// f: B or M [classes×hidden], or W [hidden×classes] with TRANSPOSED
@group(0) @binding(2) var<storage, read> f: array<f32>;
// pre: [rows×hidden], the layer's pre-activation a
@group(0) @binding(3) var<storage, read> pre: array<f32>;
// delta: [rows×hidden]
@group(0) @binding(4) var<storage, read_write> delta: array<f32>;
// w: W [hidden×classes], whose signs SIGN_CONCORDANT uses (bound for every rule)
@group(0) @binding(5) var<storage, read> w: array<f32>;

// Read f as W [hidden×classes] and use Wᵀ (backprop).
override TRANSPOSED: bool = false;
// Use f = M as magnitudes with the signs of Wᵀ (usf, frsf, brsf).
override SIGN_CONCORDANT: bool = false;
// f′: 0 linear, 1 relu, 2 leaky-relu (slope 0.01), 3 tanh, 4 sigmoid
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

@compute @workgroup_size(16, 16)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j = gid.x;
  let i = gid.y;
  if (i >= sizes.rows || j >= sizes.hidden) { return; }
  var s = 0.0;
  for (var c = 0u; c < sizes.classes; c++) {
    var fv: f32;
    if (TRANSPOSED) {
      fv = f[j * sizes.classes + c];
    } else if (SIGN_CONCORDANT) {
      fv = f[c * sizes.hidden + j] * sign(w[j * sizes.classes + c]);
    } else {
      fv = f[c * sizes.hidden + j];
    }
    s += e[i * sizes.classes + c] * fv;
  }
  let idx = i * sizes.hidden + j;
  delta[idx] = s * derivative(pre[idx]);
}
