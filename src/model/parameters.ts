/**
 * GPU-resident parameters: one storage buffer per weight matrix, bias and feedback matrix,
 * plus gradient buffers of the same shapes. Labels follow the notation of GUIDE.md
 * (W1, b1, W2, …; B2 is the feedback matrix that replaces W2ᵀ).
 */
import { F32_BYTES, storageBuffer } from '../gpu/buffers.js';
import { parameterShapes, type Parameters } from './init.js';
import type { Rule } from './options.js';

export class GpuParameters {
  readonly weights: GPUBuffer[];
  readonly biases: GPUBuffer[];
  readonly feedback: GPUBuffer[];
  readonly gradWeights: GPUBuffer[];
  readonly gradBiases: GPUBuffer[];
  readonly shapes: ReturnType<typeof parameterShapes>;

  constructor(private readonly device: GPUDevice, sizes: readonly number[], rule: Rule, initial: Parameters) {
    this.shapes = parameterShapes(sizes, rule);
    const make = (prefix: string, shapes: [number, number][], data?: Float32Array[], offset = 1) =>
      shapes.map(([r, c], k) => storageBuffer(device, `${prefix}${k + offset}`, r * c, data?.[k]));
    this.weights = make('W', this.shapes.weights, initial.weights);
    this.biases = make('b', this.shapes.biases, initial.biases);
    // feedback[k] stands in for W_{k+2}ᵀ, hence the 1-based label k + 2.
    this.feedback = make('B', this.shapes.feedback, initial.feedback, 2);
    this.gradWeights = make('dW', this.shapes.weights);
    this.gradBiases = make('db', this.shapes.biases);
  }

  /** Writes whichever lists are given; the caller has validated them. */
  write(p: Partial<Parameters>): void {
    const put = (buffers: GPUBuffer[], data?: Float32Array[]) =>
      data?.forEach((d, k) => this.device.queue.writeBuffer(buffers[k], 0, d as Float32Array<ArrayBuffer>));
    put(this.weights, p.weights);
    put(this.biases, p.biases);
    put(this.feedback, p.feedback);
  }

  /** All parameters in one readback: one staging buffer, one map. */
  async read(): Promise<Parameters> {
    const [weights, biases, feedback] = await this.readLists([this.weights, this.biases, this.feedback], [this.shapes.weights, this.shapes.biases, this.shapes.feedback]);
    return { weights, biases, feedback };
  }

  /** The gradients of the last step, as { weights, biases } in the parameters' shapes. */
  async readGradients(): Promise<{ weights: Float32Array[]; biases: Float32Array[] }> {
    const [weights, biases] = await this.readLists([this.gradWeights, this.gradBiases], [this.shapes.weights, this.shapes.biases]);
    return { weights, biases };
  }

  private async readLists(lists: GPUBuffer[][], shapes: [number, number][][]): Promise<Float32Array[][]> {
    const all = lists.flat();
    const total = all.reduce((n, b) => n + b.size, 0);
    const staging = this.device.createBuffer({ label: 'parameters.readback', size: total, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    try {
      const encoder = this.device.createCommandEncoder({ label: 'parameters.readback' });
      let offset = 0;
      for (const b of all) {
        encoder.copyBufferToBuffer(b, 0, staging, offset, b.size);
        offset += b.size;
      }
      this.device.queue.submit([encoder.finish()]);
      await staging.mapAsync(GPUMapMode.READ);
      const data = staging.getMappedRange();
      offset = 0;
      return lists.map((list, li) => list.map((b, k) => {
        const [r, c] = shapes[li][k];
        const out = new Float32Array(data.slice(offset, offset + r * c * F32_BYTES));
        offset += b.size;
        return out;
      }));
    } finally {
      staging.destroy();
    }
  }

  destroy(): void {
    for (const b of [this.weights, this.biases, this.feedback, this.gradWeights, this.gradBiases].flat()) b.destroy();
  }
}
