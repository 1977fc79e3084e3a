// feedback_draw: brsf's feedback magnitudes, redrawn at every step on the GPU.
//   M[i] = scale · |Σ_{t=1..12} u_t − 6|, u_t uniform in (0, 1) from an integer hash of (key, step, i, t)
// Σ u − 6 is the Irwin-Hall approximation of N(0, 1): mean 0, variance 1, tails cut at ±6.
// It needs no log or cos, whose WGSL precision (an absolute 2⁻¹¹ for cos) would keep the
// reference from reproducing the draw; here the GPU and src/reference agree to f32 rounding.
// The hash is PCG's output permutation (Jarzynski & Olano, "Hash Functions for GPU Rendering",
// 2020), integers only. The step counter is advanced by counter.wgsl after every layer
// has drawn.
// Dispatch: one thread per element, workgroups of 256, grid (x, y, 1) with x·y·256 ≥ count.

struct Params {
  count: u32,
  // pcgHash(pcgHash(pcgHash(seed low 32 bits) ^ seed high bits) ^ layer): one stream per layer
  key: u32,
  scale: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
// m: [count], the magnitudes of one layer's feedback
@group(0) @binding(1) var<storage, read_write> m: array<f32>;
// step: [1], the number of steps done
@group(0) @binding(2) var<storage, read> step: array<u32>;

fn pcgHash(v: u32) -> u32 {
  let state = v * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}

// The top 23 bits as a float strictly inside (0, 1): (k + ½) / 2²³ needs 24 significant bits,
// f32's all, so every value is exact (with 24 bits the half would round away above 2²³, and the
// largest would be 1).
fn unit(h: u32) -> f32 {
  return (f32(h >> 9u) + 0.5) / 8388608.0;
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * 256u;
  if (i >= params.count) { return; }
  let elementKey = pcgHash(pcgHash(params.key ^ step[0]) ^ i);
  var sum = 0.0;
  for (var t = 0u; t < 12u; t++) { sum += unit(pcgHash(elementKey ^ t)); }
  m[i] = params.scale * abs(sum - 6.0);
}
