// gather: a batch from a dataset that lives on the GPU.
//   x[i, f]   = ((source[order[cursor + i], f] − centreHi) − centreLo) · scale + shift
//               (main_per_feature: centreHi[f], centreLo[f], scale[f], shift[f])
//   labels[i] = sourceLabels[order[cursor + i]]
//   next[0]   = counter[0] + by
// for i < rows, where cursor = counter[0] and order is the epoch's shuffled index. The cursor
// lives in two buffers that the steps take in turn (this gather reads one and writes the
// next batch's start into the other, which the next gather reads), so one command buffer can
// hold a whole epoch of steps without a launch to advance it; `by` is the batch, plus at an
// epoch's last step the rows no full batch takes.
// With SOURCE_U8 the source holds bytes (pixels), four to a u32, little-endian.
// The map x·s + o of a normalisation is applied as (x − c)·s with c = −o/s split into two f32
// (centreHi + centreLo, shift 0; for s = 0: c = 0, shift o): x − centreHi is exact near the
// centre, so a feature with a large mean and a small spread keeps its precision, where
// x·s + o in f32 would cancel all but a few bits (10000 + U·0.05, standardised: 4% off).
// Dispatch: one thread per element of x, workgroups of 256, grid (x, y, 1) with
// x·y·256 ≥ rows·features.

struct Params {
  rows: u32,
  features: u32,
  by: u32,
  centreHi: f32,
  centreLo: f32,
  scale: f32,
  shift: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
// source: [n×features] f32, or [ceil(n·features / 4)] u32 of packed bytes with SOURCE_U8
@group(0) @binding(1) var<storage, read> source: array<u32>;
// sourceLabels: [n] i32
@group(0) @binding(2) var<storage, read> sourceLabels: array<i32>;
// order: [n] u32, the rows of the source in the order they are taken
@group(0) @binding(3) var<storage, read> order: array<u32>;
// counter: [1] u32, the position in order where this batch starts
@group(0) @binding(4) var<storage, read> counter: array<u32>;
// x: [rows×features]
@group(0) @binding(5) var<storage, read_write> x: array<f32>;
// labels: [rows] i32
@group(0) @binding(6) var<storage, read_write> labels: array<i32>;
// next: [1] u32, the next batch's start (the other cursor buffer)
@group(0) @binding(7) var<storage, read_write> next: array<u32>;

// The source holds bytes, not f32.
override SOURCE_U8: bool = false;

// The element i of the batch before the map (row i / features of the batch, feature i % features),
// its label written by the row's first element, and the next cursor by element 0; the caller
// has checked i < rows · features.
fn fetch(i: u32) -> f32 {
  let r = i / params.features;
  let f = i % params.features;
  let row = order[counter[0] + r];
  let at = row * params.features + f;
  if (f == 0u) { labels[r] = sourceLabels[row]; }
  if (SOURCE_U8) {
    return f32((source[at / 4u] >> (8u * (at % 4u))) & 0xffu);
  }
  return bitcast<f32>(source[at]);
}

fn element(gid: vec3<u32>, groups: vec3<u32>) -> u32 {
  let i = gid.x + gid.y * groups.x * 256u;
  if (i == 0u) { next[0] = counter[0] + params.by; }
  return i;
}

// ((v − hi) − lo)·scale + shift: the map, evaluated so that cancellation loses nothing.
fn mapped(v: f32, hi: f32, lo: f32, scale: f32, shift: f32) -> f32 {
  return ((v - hi) - lo) * scale + shift;
}

// One map for every feature (params).
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = element(gid, groups);
  if (i >= params.rows * params.features) { return; }
  x[i] = mapped(fetch(i), params.centreHi, params.centreLo, params.scale, params.shift);
}

// main_per_feature: a map per feature, from maps.
// maps: [4×features]: the centres' high parts, their low parts, the scales, the shifts
@group(0) @binding(8) var<storage, read> maps: array<f32>;

@compute @workgroup_size(256)
fn main_per_feature(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = element(gid, groups);
  if (i >= params.rows * params.features) { return; }
  let f = i % params.features;
  let n = params.features;
  x[i] = mapped(fetch(i), maps[f], maps[n + f], maps[2u * n + f], maps[3u * n + f]);
}
