/**
 * Uniform structs declared once in TypeScript, mirroring the WGSL `struct` field for field,
 * so the byte size and every offset come from one definition.
 */

export type ScalarType = 'u32' | 'f32';

export class UniformLayout<F extends string> {
  readonly fields: readonly (readonly [F, ScalarType])[];
  /** Bytes, rounded up to the 16 bytes a uniform binding wants. */
  readonly size: number;

  constructor(fields: readonly (readonly [F, ScalarType])[]) {
    this.fields = fields;
    this.size = Math.ceil((fields.length * 4) / 16) * 16;
  }

  /** Packs values in field order; every field must be given. */
  pack(values: Record<F, number>): ArrayBuffer {
    const data = new ArrayBuffer(this.size);
    const view = new DataView(data);
    this.fields.forEach(([name, type], i) => {
      const v = values[name];
      // setUint32 would wrap a larger value silently (4.9e9 → 605,032,704)
      if (type === 'u32' && !(Number.isInteger(v) && v >= 0 && v <= 0xffffffff)) throw new Error(`uniform field ${name}: ${v} is not a u32`);
      if (type === 'u32') view.setUint32(i * 4, v, true);
      else view.setFloat32(i * 4, v, true);
    });
    return data;
  }

  /** A uniform buffer holding these values. */
  create(device: GPUDevice, label: string, values: Record<F, number>): GPUBuffer {
    const buffer = device.createBuffer({ label, size: this.size, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(buffer, 0, this.pack(values));
    return buffer;
  }
}
