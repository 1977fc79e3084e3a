/**
 * The integer hash behind brsf's per-step feedback draws: PCG's output permutation as a hash
 * (Jarzynski & Olano 2020). shaders/feedback_draw.wgsl computes the same function, so the
 * reference reproduces the GPU's uniforms exactly.
 */
export function pcgHash(v: number): number {
  const state = (Math.imul(v, 747796405) + 2891336453) >>> 0;
  const word = Math.imul((state >>> ((state >>> 28) + 4)) ^ state, 277803737) >>> 0;
  return ((word >>> 22) ^ word) >>> 0;
}

/** The draw key of one hidden layer's feedback for a network seed. */
export function drawKey(seed: number, layer: number): number {
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 0x100000000) >>> 0;
  return pcgHash(pcgHash(pcgHash(lo) ^ hi) ^ layer);
}

/** The top 23 bits of a hash as a number strictly inside (0, 1), exact in f32: feedback_draw.wgsl's unit(), value for value. */
export function unit(h: number): number {
  return ((h >>> 9) + 0.5) / 8388608;
}
