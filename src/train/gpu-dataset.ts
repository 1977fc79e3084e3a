/**
 * A dataset that lives on the GPU for a whole training run: features (bytes packed four to a
 * u32, or f32), labels, the order rows are taken in (one upload per epoch), and the cursor that
 * gather.wgsl reads and counter.wgsl advances. Batches are gathered there, never uploaded.
 */
import { storageBuffer } from '../gpu/buffers.js';
import type { Dataset } from '../data/dataset.js';

export class GpuDataset {
  readonly x: GPUBuffer;
  readonly labels: GPUBuffer;
  readonly order: GPUBuffer;
  readonly cursor: GPUBuffer;
  readonly rows: number;
  readonly features: number;
  readonly bytes: boolean;

  /**
   * `epochsPerOrder` epochs' worth of order can be set at once, so a small set's many short
   * epochs run in one command buffer with the cursor running straight through them.
   */
  constructor(private readonly device: GPUDevice, d: Dataset, label: string, readonly epochsPerOrder = 1) {
    this.rows = d.labels.length;
    this.features = d.features;
    this.bytes = d.x instanceof Uint8Array;
    let words: Uint32Array | Float32Array;
    if (d.x instanceof Uint8Array) {
      const padded = new Uint8Array(Math.ceil(d.x.length / 4) * 4);
      padded.set(d.x);
      words = new Uint32Array(padded.buffer);
    } else {
      words = d.x;
    }
    this.x = storageBuffer(device, `${label}.x`, words.length, words);
    this.labels = storageBuffer(device, `${label}.labels`, this.rows, d.labels);
    this.order = storageBuffer(device, `${label}.order`, this.rows * epochsPerOrder, Uint32Array.from({ length: this.rows * epochsPerOrder }, (_, i) => i % this.rows));
    this.cursor = storageBuffer(device, `${label}.cursor`, 1);
  }

  /** Sets the order rows are taken in (up to epochsPerOrder epochs of it) and rewinds the cursor (queued before later submits). */
  setOrder(order: Uint32Array): void {
    this.device.queue.writeBuffer(this.order, 0, order as Uint32Array<ArrayBuffer>);
    this.rewind();
  }

  rewind(): void {
    this.device.queue.writeBuffer(this.cursor, 0, new Uint32Array(1));
  }

  destroy(): void {
    for (const b of [this.x, this.labels, this.order, this.cursor]) b.destroy();
  }
}
