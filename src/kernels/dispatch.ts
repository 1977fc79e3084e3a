/**
 * A Dispatch is one kernel launch with everything bound: made once when a network's step
 * graph is built, encoded as often as needed. Keeping the list of dispatches as data is
 * also what lets a page show one step kernel by kernel.
 */
import { getPipeline } from '../gpu/pipelines.js';
import type { UniformLayout } from '../gpu/uniforms.js';
import { FaWebGpuError } from '../errors.js';
import { SHADERS, type ShaderName } from './shaders.js';

export interface Dispatch {
  /** e.g. 'Layer1.forward.matmul' */
  readonly label: string;
  readonly shader: ShaderName;
  readonly entryPoint: string;
  readonly constants: Readonly<Record<string, number>>;
  /** What each storage binding (1, 2, …) holds, as "name [rows×cols]". */
  readonly bindings: readonly string[];
  /** The storage buffers, in binding order (binding i + 1). */
  readonly buffers: readonly GPUBuffer[];
  /** Indices into `buffers` of those the kernel writes, with their element type. */
  readonly outputs: readonly { index: number; type: 'f32' | 'i32' | 'u32' }[];
  readonly pipeline: GPUComputePipeline;
  readonly bindGroup: GPUBindGroup;
  readonly workgroups: readonly [number, number, number];
  /** The uniform buffer this dispatch owns (destroyed with it). */
  readonly uniform: GPUBuffer;
  /** Floating-point operations it does (multiply-adds count 2), for GFLOP/s in profiles; 0 where not counted. */
  readonly flops: number;
}

export interface DispatchSpec<F extends string> {
  label: string;
  shader: ShaderName;
  entryPoint?: string;
  constants?: Record<string, number>;
  /** The shader's uniform struct (binding 0, every shader) and its values. */
  uniform: UniformLayout<F>;
  sizes: Record<F, number>;
  /** Storage buffers for bindings 1, 2, …, each with what it holds. */
  storage: readonly (readonly [GPUBuffer, string])[];
  /** Indices into `storage` of the buffers the kernel writes (f32 unless typed). */
  outputs: readonly (number | { index: number; type: 'i32' | 'u32' })[];
  workgroups: readonly [number, number, number];
  /** Multiply-adds × 2 of the matrix products (matmul, hidden_signal); omitted elsewhere. */
  flops?: number;
}

/** Builds the pipeline (cached), the uniform buffer and the bind group for one launch. */
export function createDispatch<F extends string>(device: GPUDevice, spec: DispatchSpec<F>): Dispatch {
  const entryPoint = spec.entryPoint ?? 'main';
  const constants = spec.constants ?? {};
  const pipeline = getPipeline(device, spec.shader, SHADERS[spec.shader], entryPoint, constants);
  const uniform = spec.uniform.create(device, `${spec.label}.sizes`, spec.sizes);
  const bindGroup = device.createBindGroup({
    label: spec.label,
    layout: pipeline.getBindGroupLayout(0),
    entries: [
      { binding: 0, resource: { buffer: uniform } },
      ...spec.storage.map(([buffer], i) => ({ binding: i + 1, resource: { buffer } })),
    ],
  });
  return {
    label: spec.label,
    shader: spec.shader,
    entryPoint,
    constants,
    bindings: spec.storage.map(([, what]) => what),
    buffers: spec.storage.map(([buffer]) => buffer),
    outputs: spec.outputs.map((o) => (typeof o === 'number' ? { index: o, type: 'f32' as const } : o)),
    pipeline,
    bindGroup,
    workgroups: spec.workgroups,
    uniform,
    flops: spec.flops ?? 0,
  };
}

/** Records the dispatches, in order, into an open compute pass. */
export function encodeDispatches(pass: GPUComputePassEncoder, list: readonly Dispatch[]): void {
  for (const d of list) {
    pass.setPipeline(d.pipeline);
    pass.setBindGroup(0, d.bindGroup);
    pass.dispatchWorkgroups(d.workgroups[0], d.workgroups[1], d.workgroups[2]);
  }
}

export function destroyDispatches(list: readonly Dispatch[]): void {
  for (const d of list) d.uniform.destroy();
}

/** ceil(a / b) */
export function divUp(a: number, b: number): number {
  return Math.ceil(a / b);
}

/** Checks a workgroup count against the device's per-dimension limit. */
export function checkGrid(device: GPUDevice, label: string, grid: readonly [number, number, number]): readonly [number, number, number] {
  const max = device.limits.maxComputeWorkgroupsPerDimension;
  if (grid.some((g) => g > max)) {
    throw new FaWebGpuError('device-limit', `${label}: needs a grid of ${grid.join('×')} workgroups, past this device's maxComputeWorkgroupsPerDimension (${max}); use a smaller batch or layer`);
  }
  return grid;
}

/**
 * Grid for one thread per element in workgroups of `size`: (x, y, 1) with x·y·size ≥ count,
 * folding into y only when x would pass the per-dimension limit.
 */
export function grid1d(device: GPUDevice, label: string, count: number, size: number): readonly [number, number, number] {
  const groups = Math.max(1, divUp(count, size));
  const max = device.limits.maxComputeWorkgroupsPerDimension;
  const x = Math.min(groups, max);
  return checkGrid(device, label, [x, divUp(groups, x), 1]);
}
