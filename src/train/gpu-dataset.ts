/**
 * A dataset that lives on the GPU for a whole training run: features (bytes packed four to a
 * u32, or f32), labels, the order rows are taken in (one upload per epoch), and the cursor:
 * two u32 buffers that gathers take in turn, each reading the batch's start from one and
 * writing the next batch's into the other (gather.wgsl). Batches are gathered there, never
 * uploaded.
 */
import { storageBuffer } from '../gpu/buffers.js';
import type { Dataset } from '../data/dataset.js';
import type { Affine } from '../data/prepare.js';
import { gatherMapWords } from '../kernels/kernels.js';

export class GpuDataset {
  readonly x: GPUBuffer;
  readonly labels: GPUBuffer;
  readonly order: GPUBuffer;
  /** The cursor's two buffers; cursors[current] holds it between submits. */
  readonly cursors: readonly [GPUBuffer, GPUBuffer];
  private current = 0;
  /** Per-feature maps uploaded for gathers ([2×features]: scales, then offsets), by the map they hold. */
  private readonly maps = new Map<Affine, GPUBuffer>();
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
    // A buffer past the device's limits throws: the ones made before it go too.
    const made: GPUBuffer[] = [];
    const make = (name: string, count: number, data?: Uint32Array | Float32Array | Int32Array) => {
      const b = storageBuffer(device, `${label}.${name}`, count, data);
      made.push(b);
      return b;
    };
    try {
      this.x = make('x', words.length, words);
      this.labels = make('labels', this.rows, d.labels);
      this.order = make('order', this.rows * epochsPerOrder, Uint32Array.from({ length: this.rows * epochsPerOrder }, (_, i) => i % this.rows));
      this.cursors = [make('cursor', 1), make('cursor.next', 1)];
    } catch (e) {
      for (const b of made) b.destroy();
      throw e;
    }
  }

  /** Which buffer the cursor is read from and which the next start goes to, for the i-th gather from now. */
  cursorPair(i: number): { counter: GPUBuffer; next: GPUBuffer; parity: number } {
    const parity = (this.current + i) % 2;
    return { counter: this.cursors[parity], next: this.cursors[1 - parity], parity };
  }

  /** Records that `gathers` gathers were submitted: the cursor moved that many times between the buffers. */
  advanced(gathers: number): void {
    this.current = (this.current + gathers) % 2;
  }

  /** Sets the order rows are taken in (up to epochsPerOrder epochs of it) and rewinds the cursor (queued before later submits). */
  setOrder(order: Uint32Array): void {
    this.device.queue.writeBuffer(this.order, 0, order as Uint32Array<ArrayBuffer>);
    this.rewind();
  }

  rewind(): void {
    this.current = 0;
    this.device.queue.writeBuffer(this.cursors[0], 0, new Uint32Array(1));
  }

  /** A per-feature map on the GPU for this dataset's gathers (gatherMapWords; made once per map, freed with the dataset). */
  affineBuffer(a: { scale: number[]; offset: number[] }): GPUBuffer {
    let b = this.maps.get(a);
    if (!b) {
      b = storageBuffer(this.device, `${this.labels.label.replace(/\.labels$/, '')}.normalization`, 4 * this.features, gatherMapWords(a));
      this.maps.set(a, b);
    }
    return b;
  }

  destroy(): void {
    for (const b of [this.x, this.labels, this.order, ...this.cursors, ...this.maps.values()]) b.destroy();
    this.maps.clear();
  }
}
