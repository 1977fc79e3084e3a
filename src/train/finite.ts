/**
 * A check of the training state for NaN and infinities on the GPU, encoded beside a run's
 * steps. The loss alone can miss them: WGSL lets an implementation assume that floats are
 * finite, and an activation may hide a NaN (relu's max(NaN, 0) may be 0), so a hidden layer's
 * weights can go bad while every loss stays finite. Each window of steps (a readback of
 * losses) therefore checks the state it leaves, and the first window of a run the state it
 * starts from too (a later one starts from the state the window before it was checked to
 * leave), and reads the flags back with its losses: two more words in the readback, one launch
 * a tensor each time.
 */
import { storageBuffer, F32_BYTES } from '../gpu/buffers.js';
import { destroyDispatches, encodeDispatches, type Dispatch } from '../kernels/dispatch.js';
import { finiteCheck } from '../kernels/kernels.js';

/** The words a window's readback holds for the check: the flag before its steps and after them. */
export const FINITE_WORDS = 2;

/** What a window's two flags say: the first bad tensor before its steps and after them (null: all finite). */
export interface FiniteFlags {
  before: string | null;
  after: string | null;
}

export class FiniteCheck {
  private readonly flag: GPUBuffer;
  private readonly dispatches: Dispatch[] = [];

  /** `tensors`: f32 buffers (the state), named as the error will name them. */
  constructor(device: GPUDevice, private readonly tensors: readonly { name: string; buffer: GPUBuffer }[]) {
    this.flag = storageBuffer(device, 'state.finite', 1);
    try {
      // Codes T, T − 1, …: the flag's maximum names the first bad tensor.
      tensors.forEach((t, i) => this.dispatches.push(finiteCheck(device, {
        label: `${t.name}.finite`, x: t.buffer, flag: this.flag, count: t.buffer.size / F32_BYTES, code: tensors.length - i,
      })));
    } catch (e) {
      this.destroy();
      throw e;
    }
  }

  /** Checks the state as the work encoded so far leaves it; its flag goes to word `at` of `target`. */
  encode(encoder: GPUCommandEncoder, target: GPUBuffer, at: number): void {
    encoder.clearBuffer(this.flag);
    const pass = encoder.beginComputePass({ label: 'state.finite' });
    encodeDispatches(pass, this.dispatches);
    pass.end();
    encoder.copyBufferToBuffer(this.flag, 0, target, at * F32_BYTES, F32_BYTES);
  }

  /**
   * Reads the flags at word `at` of a readback (as encoded at `at` and `at + 1`); without
   * `checkedBefore`, word `at` was not written and `before` is null (the state was checked as
   * the window before ended, and found finite, or the run would have stopped there).
   */
  read(words: Float32Array, at: number, checkedBefore: boolean): FiniteFlags {
    const [before, after] = new Uint32Array(words.buffer, words.byteOffset + at * F32_BYTES, FINITE_WORDS);
    return { before: checkedBefore ? this.name(before) : null, after: this.name(after) };
  }

  private name(code: number): string | null {
    return code === 0 ? null : this.tensors[this.tensors.length - code]?.name ?? `tensor code ${code}`;
  }

  destroy(): void {
    destroyDispatches(this.dispatches);
    this.flag.destroy();
  }
}
