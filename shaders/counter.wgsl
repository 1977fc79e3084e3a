// counter: counter[0] += params.by. Lets a command buffer of many steps advance state that
// later dispatches read, without a uniform write between them: brsf's step index (by 1, after
// the draws).
// Dispatch: (1, 1, 1).

struct Params {
  by: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
// counter: [1]
@group(0) @binding(1) var<storage, read_write> counter: array<u32>;

@compute @workgroup_size(1)
fn main() {
  counter[0] += params.by;
}
