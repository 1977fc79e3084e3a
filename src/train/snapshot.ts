/**
 * GPU-side copies of the training state, so that a run that diverges can go back to the last
 * state whose loss was finite. Two copies alternate: each window (a run of steps between loss
 * readbacks) starts by copying the live state into one; when the window's losses come back,
 * the copy is known good if the window's first loss (the loss of that very state) is finite.
 */
import { storageBuffer } from '../gpu/buffers.js';

export class StateSnapshots {
  private readonly copies: GPUBuffer[][];
  private current = 0;
  private good: { index: number; step: number } | null = null;
  private pendingStep = 0;

  constructor(private readonly device: GPUDevice, private readonly live: GPUBuffer[]) {
    this.copies = [0, 1].map((c) => live.map((b) => storageBuffer(device, `${b.label}.snapshot${c}`, b.size / 4)));
  }

  /** Copies the live state (as it is before step `step`) into the current slot. */
  record(encoder: GPUCommandEncoder, step: number): void {
    this.live.forEach((b, i) => encoder.copyBufferToBuffer(b, 0, this.copies[this.current][i], 0, b.size));
    this.pendingStep = step;
  }

  /** After the window's losses are read: keeps the slot if its state's loss was finite. */
  settle(firstLossFinite: boolean): void {
    if (firstLossFinite) {
      this.good = { index: this.current, step: this.pendingStep };
      this.current ^= 1;
    }
  }

  /** Steps done before the last known-good state, or null when there is none. */
  get goodStep(): number | null {
    return this.good?.step ?? null;
  }

  /** Copies the last known-good state back into the live buffers. */
  restore(): number {
    if (!this.good) throw new Error('no finite state recorded');
    const encoder = this.device.createCommandEncoder({ label: 'snapshot.restore' });
    this.live.forEach((b, i) => encoder.copyBufferToBuffer(this.copies[this.good!.index][i], 0, b, 0, b.size));
    this.device.queue.submit([encoder.finish()]);
    return this.good.step;
  }

  destroy(): void {
    for (const b of this.copies.flat()) b.destroy();
  }
}
