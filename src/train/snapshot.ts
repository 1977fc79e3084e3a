/**
 * GPU-side copies of the training state, so that a run that diverges can go back to the last
 * state whose loss was finite. Each window (a run of steps between loss readbacks) starts by
 * copying the live state into a free slot; when the window's losses come back, in the order the
 * windows ran, the copy is known good if the window's first loss (the loss of that very state)
 * is finite. A slot is free unless it holds the known-good state or a window not yet settled:
 * two slots for one window in flight, three for two (Network.train reads one window's losses
 * while the next runs; Network.fit reads one epoch's while the next runs).
 */
import { storageBuffer } from '../gpu/buffers.js';

interface Slot {
  index: number;
  /** Steps done before the state it holds. */
  step: number;
}

export class StateSnapshots {
  private readonly copies: GPUBuffer[][] = [];
  /** Recorded slots whose windows are not settled yet, oldest first. */
  private readonly pending: Slot[] = [];
  private good: Slot | null = null;

  constructor(private readonly device: GPUDevice, private readonly live: GPUBuffer[]) {}

  /** Makes slots up to `count` now (for `count` − 1 windows in flight), so that a run's buffers stay the same from its start. */
  reserve(count: number): void {
    while (this.copies.length < count) {
      const index = this.copies.length;
      this.copies.push(this.live.map((b) => storageBuffer(this.device, `${b.label}.snapshot${index}`, b.size / 4)));
    }
  }

  /** Copies the live state (as it is before step `step`) into a free slot, made if none is. */
  record(encoder: GPUCommandEncoder, step: number): void {
    const busy = new Set([this.good?.index, ...this.pending.map((p) => p.index)]);
    let index = this.copies.findIndex((_, i) => !busy.has(i));
    if (index < 0) {
      index = this.copies.length;
      this.reserve(index + 1);
    }
    this.live.forEach((b, i) => encoder.copyBufferToBuffer(b, 0, this.copies[index][i], 0, b.size));
    this.pending.push({ index, step });
  }

  /** After the oldest unsettled window's losses are read: keeps its slot if its state's loss was finite. */
  settle(firstLossFinite: boolean): void {
    const slot = this.pending.shift();
    if (!slot) throw new Error('StateSnapshots.settle: no window was recorded');
    if (firstLossFinite) this.good = slot;
  }

  /**
   * Forgets every copy: the state was replaced from outside (a checkpoint restored, parameters
   * set), so no copy is a state of this timeline any more.
   */
  forget(): void {
    this.good = null;
    this.pending.length = 0;
  }

  /** Forgets the windows not settled (a run that stopped before their losses were read). */
  abandon(): void {
    this.pending.length = 0;
  }

  /**
   * Undoes the windows not settled (a run stopped after submitting them): copies the state the
   * oldest of them started from back into the live buffers, queued after their work, and forgets
   * them. Returns the steps done before that state, or null when none is unsettled (a failed
   * readback has abandoned them).
   */
  rollback(): number | null {
    const first = this.pending[0];
    if (!first) return null;
    this.copyBack(first.index);
    this.pending.length = 0;
    return first.step;
  }

  /** Steps done before the last known-good state, or null when there is none. */
  get goodStep(): number | null {
    return this.good?.step ?? null;
  }

  /** Copies the last known-good state back into the live buffers. */
  restore(): number {
    if (!this.good) throw new Error('no finite state recorded');
    this.copyBack(this.good.index);
    return this.good.step;
  }

  private copyBack(index: number): void {
    const encoder = this.device.createCommandEncoder({ label: 'snapshot.restore' });
    this.live.forEach((b, i) => encoder.copyBufferToBuffer(this.copies[index][i], 0, b, 0, b.size));
    this.device.queue.submit([encoder.finish()]);
  }

  destroy(): void {
    for (const b of this.copies.flat()) b.destroy();
  }
}
