/**
 * Shader modules and compute pipelines, cached per device (a WeakMap, so a destroyed and
 * dropped device takes its cache with it) and keyed by what was specialised.
 */

const modules = new WeakMap<GPUDevice, Map<string, GPUShaderModule>>();
const pipelines = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();

function cacheFor<T>(map: WeakMap<GPUDevice, Map<string, T>>, device: GPUDevice): Map<string, T> {
  let m = map.get(device);
  if (!m) map.set(device, (m = new Map()));
  return m;
}

/** The pipeline for one entry point of one shader with these override constants. */
export function getPipeline(
  device: GPUDevice, name: string, code: string, entryPoint: string, constants: Record<string, number>,
): GPUComputePipeline {
  const key = `${name}:${entryPoint}:${JSON.stringify(Object.entries(constants).sort())}`;
  const cache = cacheFor(pipelines, device);
  let pipeline = cache.get(key);
  if (!pipeline) {
    const moduleCache = cacheFor(modules, device);
    let module = moduleCache.get(name);
    if (!module) moduleCache.set(name, (module = device.createShaderModule({ label: `${name}.wgsl`, code })));
    pipeline = device.createComputePipeline({
      label: key,
      layout: 'auto',
      compute: { module, entryPoint, constants },
    });
    cache.set(key, pipeline);
  }
  return pipeline;
}
