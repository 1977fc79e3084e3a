import { FaWebGpuError } from '../errors.js';

/** Buffer helpers: every byte size is derived here from element counts. */

export const F32_BYTES = Float32Array.BYTES_PER_ELEMENT;
export const I32_BYTES = Int32Array.BYTES_PER_ELEMENT;

/**
 * A storage buffer of `count` 4-byte elements (f32 or i32), zero-filled, optionally
 * initialised. Sizes past the device's limits fail here, with the tensor's name.
 */
export function storageBuffer(device: GPUDevice, label: string, count: number, data?: Float32Array | Int32Array | Uint32Array): GPUBuffer {
  checkFits(device, label, count);
  // A zero-size binding is invalid; keep at least one element.
  const size = Math.max(1, count) * F32_BYTES;
  const buffer = device.createBuffer({ label, size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
  if (data) device.queue.writeBuffer(buffer, 0, data as Float32Array<ArrayBuffer>, 0, count);
  return buffer;
}

/**
 * The most elements a storage buffer may hold: WGSL indexes them with u32, and the kernels
 * whose grids fold (gid.x + gid.y · groups.x · 256, grid1d) or stride by 256 reach an index
 * past the count before they stop: 65,535 × 65,536 keeps a folded grid at y ≤ 256 (its last
 * index below 2³²) and i + 256 below 2³² (2³² − 65,536 elements; 16 GiB of f32).
 */
export const MAX_ELEMENTS = 65535 * 65536;

/** Throws 'device-limit' when `count` 4-byte values do not fit one storage binding of this device, or pass MAX_ELEMENTS. */
export function checkFits(device: GPUDevice, label: string, count: number): void {
  const size = Math.max(1, count) * F32_BYTES;
  const limit = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
  if (size > limit) {
    throw new FaWebGpuError('device-limit', `${label}: needs ${size} bytes (${count} values), past this device's storage-buffer limit of ${limit} bytes; use smaller layers or batches`);
  }
  // The kernels index elements with u32 arithmetic: past MAX_ELEMENTS it would wrap,
  // whatever bytes an adapter allows in a binding.
  if (count > MAX_ELEMENTS) {
    throw new FaWebGpuError('device-limit', `${label}: needs ${count} values, past the ${MAX_ELEMENTS} a kernel can index (u32); use smaller layers or batches`);
  }
}

/**
 * Maps a MAP_READ buffer for reading. A failure (the device lost, the buffer destroyed under
 * it) becomes FaWebGpuError 'gpu-error' naming what was read; a network reports it as
 * 'device-lost' once its device is gone.
 */
export async function mapForRead(buffer: GPUBuffer, label: string, size?: number): Promise<void> {
  try {
    await buffer.mapAsync(GPUMapMode.READ, 0, size);
  } catch (e) {
    throw new FaWebGpuError('gpu-error', `${label}: reading back from the GPU failed (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** Copies `count` f32 from a GPU buffer into a new Float32Array (one round trip). */
export async function readFloat32(device: GPUDevice, source: GPUBuffer, count: number, offsetElements = 0): Promise<Float32Array> {
  const size = count * F32_BYTES;
  const staging = device.createBuffer({ label: `${source.label}.readback`, size: Math.max(4, size), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  try {
    const encoder = device.createCommandEncoder({ label: `${source.label}.readback` });
    if (size > 0) encoder.copyBufferToBuffer(source, offsetElements * F32_BYTES, staging, 0, size);
    device.queue.submit([encoder.finish()]);
    await mapForRead(staging, `${source.label}.readback`);
    return new Float32Array(staging.getMappedRange().slice(0, size));
  } finally {
    staging.destroy();
  }
}
