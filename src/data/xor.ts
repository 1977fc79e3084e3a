/** The seed's XOR problem: the four corners of the unit square, label = x0 XOR x1. */
export function xorDataset(): { x: Float32Array; labels: Int32Array } {
  return {
    x: new Float32Array([0, 0, 0, 1, 1, 0, 1, 1]),
    labels: new Int32Array([0, 1, 1, 0]),
  };
}
