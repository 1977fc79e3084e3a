/**
 * GPU time of single kernels from timestamp queries: each dispatch in its own compute pass
 * whose beginning and end write a timestamp. Needs the device feature 'timestamp-query'
 * (acquireDevice asks for it where the adapter has it). Browsers may round timestamps (Chrome
 * to 100 µs unless its unsafe-APIs flag is on), so means over several steps are more telling.
 */
import { mapForRead } from '../gpu/buffers.js';
import { encodeDispatches, type Dispatch } from '../kernels/dispatch.js';

/** A query set holds at most this many timestamps (WebGPU's limit). */
const MAX_QUERIES = 4096;

export function hasTimestamps(device: GPUDevice): boolean {
  return device.features.has('timestamp-query');
}

/**
 * Encodes `rounds` rounds of the dispatches, one pass each with timestamps, and resolves the
 * queries; `read()` (after the submit) gives each dispatch's mean ms over the rounds whose
 * timestamps are in order (NaN where none is: a counter that reset every round).
 */
export function timedPasses(device: GPUDevice, encoder: GPUCommandEncoder, list: readonly Dispatch[], rounds: number): { read: () => Promise<number[]>; destroy: () => void } {
  const count = 2 * list.length * rounds;
  if (count > MAX_QUERIES) throw new RangeError(`timedPasses: ${count} timestamps, past ${MAX_QUERIES}`);
  const querySet = device.createQuerySet({ label: 'profile.timestamps', type: 'timestamp', count });
  const resolved = device.createBuffer({ label: 'profile.resolved', size: 8 * count, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
  const staging = device.createBuffer({ label: 'profile.readback', size: 8 * count, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  for (let r = 0; r < rounds; r++) {
    list.forEach((d, i) => {
      const q = 2 * (r * list.length + i);
      const pass = encoder.beginComputePass({ label: d.label, timestampWrites: { querySet, beginningOfPassWriteIndex: q, endOfPassWriteIndex: q + 1 } });
      encodeDispatches(pass, [d]);
      pass.end();
    });
  }
  encoder.resolveQuerySet(querySet, 0, count, resolved, 0);
  encoder.copyBufferToBuffer(resolved, 0, staging, 0, 8 * count);
  return {
    read: async () => {
      await mapForRead(staging, 'timestamps.readback');
      const t = new BigUint64Array(staging.getMappedRange().slice(0));
      staging.unmap();
      return list.map((_, i) => {
        let ns = 0, valid = 0;
        for (let r = 0; r < rounds; r++) {
          const q = 2 * (r * list.length + i);
          // An end before its beginning (a reset counter) is left out of the mean, neither
          // 2^64 ns nor 0 (an end equal to its beginning is a time rounded to 0, and counts).
          if (t[q + 1] < t[q]) continue;
          ns += Number(t[q + 1] - t[q]);
          valid++;
        }
        return valid === 0 ? NaN : ns / valid / 1e6;
      });
    },
    destroy: () => { querySet.destroy(); resolved.destroy(); staging.destroy(); },
  };
}

/** Bytes of the two timestamps spanTimer copies out. */
export const SPAN_BYTES = 16;

/**
 * GPU seconds from the beginning of a run's first pass to the end of its last (which may lie in
 * later command buffers): `writes(first, last)` goes in each pass's descriptor; `resolve`, encoded
 * after the last pass, copies the two timestamps (SPAN_BYTES) into `into` at `offset`, a multiple
 * of 4; `seconds` reads them at that offset of the bytes read back (null for a reset counter).
 */
export function spanTimer(device: GPUDevice, label: string) {
  const querySet = device.createQuerySet({ label: `${label}.span`, type: 'timestamp', count: 2 });
  // resolveQuerySet writes at offsets that are multiples of 256; the copy places the pair anywhere.
  const resolved = device.createBuffer({ label: `${label}.span.resolved`, size: SPAN_BYTES, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
  return {
    writes: (first: boolean, last: boolean): GPUComputePassTimestampWrites | undefined => (first || last ? {
      querySet,
      ...(first ? { beginningOfPassWriteIndex: 0 } : {}),
      ...(last ? { endOfPassWriteIndex: 1 } : {}),
    } : undefined),
    resolve: (encoder: GPUCommandEncoder, into: GPUBuffer, offset: number) => {
      encoder.resolveQuerySet(querySet, 0, 2, resolved, 0);
      encoder.copyBufferToBuffer(resolved, 0, into, offset, SPAN_BYTES);
    },
    seconds: (bytes: ArrayBufferLike, offset: number): number | null => {
      const [t0, t1] = new BigUint64Array(bytes.slice(offset, offset + SPAN_BYTES));
      return t1 > t0 ? Number(t1 - t0) / 1e9 : null;
    },
    destroy: () => { querySet.destroy(); resolved.destroy(); },
  };
}

/** The most rounds of `perRound` dispatches one query set can time. */
export function maxRounds(perRound: number): number {
  return Math.floor(MAX_QUERIES / (2 * perRound));
}
