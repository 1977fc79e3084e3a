/**
 * Counts a device's live GPU buffers: wraps createBuffer so every buffer made after the call
 * is counted until its destroy(). For leak checks (the tests, the soak program); it changes
 * nothing else about the device.
 */
export function trackBuffers(device: GPUDevice): { live(): number } {
  const live = new Set<GPUBuffer>();
  const create = device.createBuffer.bind(device);
  device.createBuffer = (descriptor: GPUBufferDescriptor) => {
    const buffer = create(descriptor);
    const destroy = buffer.destroy.bind(buffer);
    live.add(buffer);
    buffer.destroy = () => {
      live.delete(buffer);
      destroy();
    };
    return buffer;
  };
  return { live: () => live.size };
}
