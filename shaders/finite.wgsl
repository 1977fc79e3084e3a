// finite: flags a tensor that holds a NaN or an infinity.
//   flag[0] = max(flag[0], code)   if some x[i], i < count, is NaN, +∞ or −∞
// so that with code = (tensors checked) − (the tensor's index), the flag names the first bad
// tensor of a list checked into one flag (0: every one finite).
// x is read as bits: a float is NaN or infinite when its 8 exponent bits are all ones. Not
// `x != x` or `abs(x) > max`: WGSL lets an implementation assume that floats are finite and
// fold such tests away, and an activation may hide a NaN from the loss (relu's max(NaN, 0)
// may be 0), so this check is what tells a run that its parameters have gone bad.
// Dispatch: workgroups of 256, any grid (x, 1, 1); each thread strides over x by the grid's
// threads.

struct Params {
  count: u32,
  code: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
// x: [count] f32, read as its bits
@group(0) @binding(1) var<storage, read> x: array<u32>;
// flag: [1], the highest code of a bad tensor so far (cleared to 0 by the host)
@group(0) @binding(2) var<storage, read_write> flag: array<atomic<u32>>;

const EXPONENT = 0x7f800000u;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let stride = groups.x * 256u;
  var bad = false;
  var i = gid.x;
  // Stops before i + stride could wrap past 2³² − 1.
  while (i < params.count) {
    bad = bad || (x[i] & EXPONENT) == EXPONENT;
    if (params.count - i <= stride) { break; }
    i += stride;
  }
  if (bad) {
    atomicMax(&flag[0], params.code);
  }
}
