// step_counter: step[0] += params.by, once per training step, after brsf's draws have read it.
// Dispatch: (1, 1, 1).

struct Params {
  by: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
// step: [1], the number of steps done
@group(0) @binding(1) var<storage, read_write> step: array<u32>;

@compute @workgroup_size(1)
fn main() {
  step[0] += params.by;
}
