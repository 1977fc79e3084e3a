/**
 * GPU-resident state of a network: one storage buffer per weight matrix, bias and feedback
 * matrix, gradient buffers of the same shapes, optimizer velocities, and the step counter
 * that brsf's draws read. Labels follow GUIDE.md's notation (W1, b1, …; B2 is the feedback
 * that stands where W2ᵀ would).
 */
import { checkFits, F32_BYTES, mapForRead, storageBuffer } from '../gpu/buffers.js';
import { optimizerSettings, type SgdSettings } from '../kernels/kernels.js';
import { parameterShapes, type Parameters } from './init.js';
import { RULE_TRAITS, type Rule } from './options.js';

export interface GpuState {
  weights: Float32Array[];
  biases: Float32Array[];
  feedback: Float32Array[];
}

/** Every parameter tensor against the device's limits, before anything is allocated on host or GPU. */
export function checkParametersFit(device: GPUDevice, sizes: readonly number[], rule: Rule): void {
  const shapes = parameterShapes(sizes, rule);
  shapes.weights.forEach(([r, c], k) => checkFits(device, `W${k + 1}`, r * c));
  shapes.feedback.forEach(([r, c], k) => checkFits(device, `feedback[${k}]`, r * c));
}

export class GpuParameters {
  readonly weights: GPUBuffer[];
  readonly biases: GPUBuffer[];
  readonly feedback: GPUBuffer[];
  readonly gradWeights: GPUBuffer[];
  readonly gradBiases: GPUBuffer[];
  /** Momentum buffers; one-element placeholders when momentum is 0 (never touched then). */
  readonly velocityWeights: GPUBuffer[];
  readonly velocityBiases: GPUBuffer[];
  /** Velocities of trained feedback (kp); [] otherwise. */
  readonly velocityFeedback: GPUBuffer[];
  /** Steps done, u32 [1]: the brsf draws' step index. */
  readonly step: GPUBuffer;
  /** The optimizer's settings (lr, momentum, weight decay), a uniform every kernel that steps a tensor binds. */
  readonly settings: GPUBuffer;
  /** Whether the velocities exist (the network was made with momentum). */
  readonly momentum: boolean;
  readonly shapes: ReturnType<typeof parameterShapes>;

  /** The caller has checked the shapes with checkParametersFit. */
  constructor(private readonly device: GPUDevice, sizes: readonly number[], rule: Rule, initial: Parameters, optimizer: SgdSettings) {
    const momentum = optimizer.momentum > 0;
    this.momentum = momentum;
    this.shapes = parameterShapes(sizes, rule);
    const make = (prefix: string, shapes: [number, number][], data?: Float32Array[], offset = 1, full = true) =>
      shapes.map(([r, c], k) => storageBuffer(device, `${prefix}${k + offset}`, full ? r * c : 1, data?.[k]));
    this.weights = make('W', this.shapes.weights, initial.weights);
    this.biases = make('b', this.shapes.biases, initial.biases);
    // feedback[k] belongs to hidden layer k + 1 and stands for W_{k+2}ᵀ (or D_{k+1} for dfa).
    const fbLabel = RULE_TRAITS[rule].feedback === 'direct' ? 'D' : RULE_TRAITS[rule].signConcordant ? 'M' : 'B';
    this.feedback = make(fbLabel, this.shapes.feedback, initial.feedback, fbLabel === 'D' ? 1 : 2);
    this.gradWeights = make('dW', this.shapes.weights);
    this.gradBiases = make('db', this.shapes.biases);
    this.velocityWeights = make('vW', this.shapes.weights, undefined, 1, momentum);
    this.velocityBiases = make('vb', this.shapes.biases, undefined, 1, momentum);
    this.velocityFeedback = RULE_TRAITS[rule].trained ? make(`v${fbLabel}`, this.shapes.feedback, undefined, 2, momentum) : [];
    this.step = storageBuffer(device, 'step', 1);
    this.settings = optimizerSettings(device, 'optimizer.settings', optimizer);
  }

  /**
   * Every buffer of the training state in checkpoint order, with its name and shape: weights,
   * biases, feedback, then (with momentum) the velocities.
   */
  stateTensors(momentum: boolean): { name: string; buffer: GPUBuffer; shape: [number, number] }[] {
    const list = (buffers: GPUBuffer[], shapes: [number, number][]) => buffers.map((buffer, k) => ({ name: buffer.label, buffer, shape: shapes[k] }));
    const out = [
      ...list(this.weights, this.shapes.weights),
      ...list(this.biases, this.shapes.biases),
      ...list(this.feedback, this.shapes.feedback),
    ];
    if (momentum) {
      out.push(...list(this.velocityWeights, this.shapes.weights), ...list(this.velocityBiases, this.shapes.biases), ...list(this.velocityFeedback, this.shapes.feedback));
    }
    return out;
  }

  /** Reads the given buffers (f32) in one round trip. */
  async readBuffers(buffers: { buffer: GPUBuffer; shape: [number, number] }[]): Promise<Float32Array[]> {
    const [out] = await this.readLists([buffers.map((b) => b.buffer)], [buffers.map((b) => b.shape)]);
    return out;
  }

  /** The step counter (u32). */
  async readStep(): Promise<number> {
    const [[v]] = await this.readLists([[this.step]], [[[1, 1]]]);
    return new Uint32Array(v.buffer)[0];
  }

  writeStep(step: number): void {
    this.device.queue.writeBuffer(this.step, 0, Uint32Array.of(step));
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

  /** Optimizer velocities in the parameters' shapes (zeros when momentum is 0). */
  async readVelocities(momentum: boolean): Promise<GpuState> {
    if (!momentum) {
      const zeros = (shapes: [number, number][]) => shapes.map(([r, c]) => new Float32Array(r * c));
      return { weights: zeros(this.shapes.weights), biases: zeros(this.shapes.biases), feedback: zeros(this.velocityFeedback.length ? this.shapes.feedback : []) };
    }
    const [weights, biases, feedback] = await this.readLists(
      [this.velocityWeights, this.velocityBiases, this.velocityFeedback],
      [this.shapes.weights, this.shapes.biases, this.velocityFeedback.length ? this.shapes.feedback : []],
    );
    return { weights, biases, feedback };
  }

  private async readLists(lists: GPUBuffer[][], shapes: [number, number][][]): Promise<Float32Array[][]> {
    const all = lists.flat();
    const total = all.reduce((n, b) => n + b.size, 0);
    if (total === 0) return lists.map(() => []);
    const staging = this.device.createBuffer({ label: 'state.readback', size: total, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    try {
      const encoder = this.device.createCommandEncoder({ label: 'state.readback' });
      let offset = 0;
      for (const b of all) {
        encoder.copyBufferToBuffer(b, 0, staging, offset, b.size);
        offset += b.size;
      }
      this.device.queue.submit([encoder.finish()]);
      await mapForRead(staging, 'state.readback');
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
    const all = [this.weights, this.biases, this.feedback, this.gradWeights, this.gradBiases, this.velocityWeights, this.velocityBiases, this.velocityFeedback].flat();
    for (const b of all) b.destroy();
    this.step.destroy();
    this.settings.destroy();
  }
}
