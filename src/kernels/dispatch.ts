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
  /**
   * What each storage binding holds, as "binding 1: name [rows×cols]" (group 0) or
   * "group 1, binding 1: W1 [rows×cols] (stepped)" (the update's group).
   */
  readonly bindings: readonly string[];
  /** The storage buffers, in the order of `bindings`. */
  readonly buffers: readonly GPUBuffer[];
  /** Indices into `buffers` of those the kernel writes, with their element type. */
  readonly outputs: readonly { index: number; type: 'f32' | 'i32' | 'u32' }[];
  readonly pipeline: GPUComputePipeline;
  /** Group 0 (the kernel's sizes and tensors) and, for a kernel that steps a tensor, group 1. */
  readonly bindGroups: readonly GPUBindGroup[];
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
  /**
   * Storage buffers for bindings 1, 2, …, each with what it holds; null leaves a binding out
   * (one that another entry point of the shader uses).
   */
  storage: readonly (readonly [GPUBuffer, string] | null)[];
  /** Indices into `storage` of the buffers the kernel writes (f32 unless typed). */
  outputs: readonly (number | { index: number; type: 'i32' | 'u32' })[];
  /**
   * Group 1, for the entry points that step a tensor with the gradient they make: the
   * optimizer's settings (a uniform the network owns, binding 0) and the tensors stepped, with
   * their velocities (bindings 1, 2, …), each written unless marked false (a velocity with
   * momentum 0).
   */
  update?: { settings: GPUBuffer; tensors: readonly (readonly [GPUBuffer, string, boolean?])[] };
  workgroups: readonly [number, number, number];
  /** Multiply-adds × 2 of the matrix products (matmul, hidden_signal); omitted elsewhere. */
  flops?: number;
}

/** The dispatches made while collectDispatches' collections are open, innermost last. */
const collections: Dispatch[][] = [];

/**
 * Collects every dispatch created from now until `end`: a graph or pass that fails part way
 * (a grid past the limits, say) ends with `end(true)`, which frees each one made meanwhile,
 * those not yet in any list included. `end(false)` hands them to an enclosing collection.
 */
export function collectDispatches(): { end(failed: boolean): void } {
  const made: Dispatch[] = [];
  collections.push(made);
  return {
    end(failed: boolean) {
      const at = collections.lastIndexOf(made);
      if (at >= 0) collections.splice(at, 1);
      if (failed) destroyDispatches(made);
      else collections.at(-1)?.push(...made);
    },
  };
}

/** Builds the pipeline (cached), the uniform buffer and the bind group for one launch. */
export function createDispatch<F extends string>(device: GPUDevice, spec: DispatchSpec<F>): Dispatch {
  const entryPoint = spec.entryPoint ?? 'main';
  const constants = spec.constants ?? {};
  const pipeline = getPipeline(device, spec.shader, SHADERS[spec.shader], entryPoint, constants);
  const uniform = spec.uniform.create(device, `${spec.label}.sizes`, spec.sizes);
  // Each bound storage buffer with its binding: group 0's (holes left out), then group 1's.
  const update = spec.update;
  const bound = [
    ...spec.storage.flatMap((e, i) => (e ? [{ group: 0, binding: i + 1, buffer: e[0], what: e[1], at: i }] : [])),
    ...(update?.tensors ?? []).map(([buffer, what], i) => ({ group: 1, binding: i + 1, buffer, what, at: -1 })),
  ];
  const group = (index: number, first: GPUBuffer) => device.createBindGroup({
    label: index === 0 ? spec.label : `${spec.label}.update`,
    layout: pipeline.getBindGroupLayout(index),
    entries: [{ binding: 0, resource: { buffer: first } }, ...bound.filter((b) => b.group === index).map((b) => ({ binding: b.binding, resource: { buffer: b.buffer } }))],
  });
  const position = (storageIndex: number) => bound.findIndex((b) => b.at === storageIndex);
  const firstUpdate = bound.findIndex((b) => b.group === 1);
  const dispatch: Dispatch = {
    label: spec.label,
    shader: spec.shader,
    entryPoint,
    constants,
    bindings: bound.map((b) => `${b.group ? `group ${b.group}, ` : ''}binding ${b.binding}: ${b.what}`),
    buffers: bound.map((b) => b.buffer),
    outputs: [
      ...spec.outputs.map((o) => (typeof o === 'number' ? { index: position(o), type: 'f32' as const } : { ...o, index: position(o.index) })),
      ...(update?.tensors ?? []).flatMap(([, , written], i) => (written === false ? [] : [{ index: firstUpdate + i, type: 'f32' as const }])),
    ],
    pipeline,
    bindGroups: update ? [group(0, uniform), group(1, update.settings)] : [group(0, uniform)],
    workgroups: spec.workgroups,
    uniform,
    flops: spec.flops ?? 0,
  };
  collections.at(-1)?.push(dispatch);
  return dispatch;
}

/** Records the dispatches, in order, into an open compute pass. */
export function encodeDispatches(pass: GPUComputePassEncoder, list: readonly Dispatch[]): void {
  for (const d of list) {
    pass.setPipeline(d.pipeline);
    d.bindGroups.forEach((g, i) => pass.setBindGroup(i, g));
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
