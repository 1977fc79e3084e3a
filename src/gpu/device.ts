/**
 * Device acquisition: the browser's or Deno's `navigator.gpu`, or under Node the optional
 * npm package `webgpu` (dawn.node). Fails with a clear message when there is no adapter.
 */
import { FaWebGpuError } from '../errors.js';

async function findGpu(): Promise<GPU | undefined> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  const isNode = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
  if (!isNode) return undefined;
  try {
    // dawn.node: fast but known to abort in long runs (../shared/gpu/README.md, outside this repository); only used when nothing else
    // exists. From the npm package `webgpu`, or from the file DAWN_NODE names (a bundled
    // program on a machine without node_modules, as ../shared/gpu/run.sh sets it up).
    const dawnPath = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.DAWN_NODE;
    let mod: { create: (flags: string[]) => GPU; globals: object };
    if (dawnPath) {
      const nodeModule = 'node:module';
      const { createRequire } = await import(/* @vite-ignore */ nodeModule);
      mod = createRequire(import.meta.url)(dawnPath);
    } else {
      const specifier = 'webgpu';
      mod = await import(/* @vite-ignore */ specifier);
    }
    Object.assign(globalThis, mod.globals);
    // FA_DAWN_FLAGS: flags for dawn.node's create(), separated by spaces, for diagnosis (e.g.
    // 'enable-dawn-features=disable_robustness' to time the kernels without bounds clamping).
    const flags = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.FA_DAWN_FLAGS;
    const gpu = mod.create(flags ? flags.trim().split(/\s+/) : []);
    // Libraries that look for navigator.gpu (TensorFlow.js's webgpu backend) find it too.
    const g = globalThis as { navigator?: { gpu?: GPU } };
    if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
    else if (!g.navigator.gpu) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
    return gpu;
  } catch {
    return undefined;
  }
}

const NO_WEBGPU =
  'WebGPU is not available here. In a browser use Chrome or Edge 113+ (or Firefox 141+, Safari 26+) ' +
  'on a page served over https or http://localhost; in Deno it is built in; in Node install the ' +
  "'webgpu' package or pass `device` to createNetwork.";

/**
 * Requests an adapter and a device with the adapter's largest storage-buffer limits (sizes, and
 * buffers a stage), and those of `optionalFeatures` the adapter has: by default
 * 'timestamp-query', for per-kernel times (Network.profileStep, traceStep), and 'subgroups',
 * for matmul_lanes.wgsl on a CPU adapter whose subgroups are 4 lanes wide (SwiftShader).
 */
export async function acquireDevice(options: { optionalFeatures?: GPUFeatureName[] } = {}): Promise<GPUDevice> {
  const gpu = await findGpu();
  if (!gpu) throw new FaWebGpuError('no-webgpu', NO_WEBGPU);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new FaWebGpuError('no-webgpu', `navigator.gpu exists but requestAdapter() returned null. ${NO_WEBGPU}`);
  return adapter.requestDevice({
    label: 'fa-webgpu',
    requiredFeatures: (options.optionalFeatures ?? ['timestamp-query', 'subgroups']).filter((f) => adapter.features.has(f)),
    requiredLimits: {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize,
      // Ten where the adapter allows them (WebGPU's default is 8): the output layer's backward
      // and the batch loss in one launch (main_sums_loss_update of matmul.wgsl and matmul_direct.wgsl).
      maxStorageBuffersPerShaderStage: adapter.limits.maxStorageBuffersPerShaderStage,
    },
  });
}

/** A readable adapter name for logs and benchmark tables. */
export function describeAdapter(device: GPUDevice): string {
  const info = (device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  if (!info) return 'unknown adapter';
  // Chrome fills vendor and architecture; wgpu fills description and gives numeric ids.
  return info.description || [info.vendor, info.architecture, info.device].filter((s) => s).join(' ') || 'unknown adapter';
}

/**
 * The device's limits and features that decide which launches a step takes (fused epilogues
 * need nine or ten storage buffers a stage; per-kernel times need timestamp-query; matmul_lanes
 * subgroups exactly 4 lanes wide), for logs and benchmark headers.
 */
export function describeLimits(device: GPUDevice): string {
  const l = keyLimits(device);
  return `storage buffers a stage ${l.maxStorageBuffersPerShaderStage}, largest binding ${Math.floor(l.maxStorageBufferBindingSize / 2 ** 20)} MiB, `
    + `workgroups a dimension ${l.maxComputeWorkgroupsPerDimension}, workgroup memory ${l.maxComputeWorkgroupStorageSize} bytes, `
    + `timestamp-query ${device.features.has('timestamp-query') ? 'yes' : 'no'}, subgroups ${subgroupWidths(device)}`;
}

/** The adapter's subgroup widths (GPUAdapterInfo's subgroupMinSize and subgroupMaxSize), undefined where it does not say. */
export function subgroupSizes(device: GPUDevice): { min?: number; max?: number } {
  const info = (device as GPUDevice & { adapterInfo?: { subgroupMinSize?: number; subgroupMaxSize?: number } }).adapterInfo;
  return { min: info?.subgroupMinSize, max: info?.subgroupMaxSize };
}

/** 'no' without the 'subgroups' feature, else the adapter's subgroup widths ('4–4 lanes'; '? lanes' where it does not say). */
function subgroupWidths(device: GPUDevice): string {
  if (!device.features.has('subgroups')) return 'no';
  const { min, max } = subgroupSizes(device);
  return min === undefined ? '? lanes' : `${min}–${max} lanes`;
}

/** The limits describeLimits prints, and those beside them that size a launch, as numbers (benchmark records). */
export function keyLimits(device: GPUDevice) {
  const l = device.limits;
  return {
    maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage, maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
    maxBufferSize: l.maxBufferSize, maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
    maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize, maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
  };
}
