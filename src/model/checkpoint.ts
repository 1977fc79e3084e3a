/**
 * Checkpoints: every parameter, feedback matrix, optimizer velocity and the step counter, with
 * the network's options, in one self-checking binary file.
 *
 * Format, version 1 (all integers little-endian):
 *   bytes 0–7    magic "FAWGPUCK"
 *   bytes 8–11   u32 format version (1)
 *   bytes 12–15  u32 header length H
 *   H bytes      UTF-8 JSON header: { "options": {sizes, rule, activation, loss, learningRate,
 *                momentum, weightDecay, init, seed}, "step": steps done, "tensors": [{ "name",
 *                "shape": [rows, cols] }, …] in the order their data follows, and, when the
 *                network was trained by fit or a trainer, "normalization": { "scale", "offset" },
 *                the map its inputs went through (numbers, or arrays of one per feature) }
 *   0–3 bytes    zero padding to a multiple of 4
 *   data         every tensor's values as f32, in header order
 *   last 4 bytes u32 CRC-32 (IEEE 802.3, as zlib's crc32) of every byte before it
 * Tensor names: W1…, b1…, then the feedback matrices by their labels (B2…, D1…, M2…), then the
 * velocities vW1…, vb1… (and vB2… for kp) when momentum is non-zero.
 */
import { FaWebGpuError } from '../errors.js';
import { affineFault, type Affine } from '../data/prepare.js';

export const CHECKPOINT_MAGIC = 'FAWGPUCK';
export const CHECKPOINT_VERSION = 1;

export interface CheckpointTensor {
  name: string;
  shape: [number, number];
  data: Float32Array;
}

export interface Checkpoint {
  options: Record<string, unknown>;
  /** Training steps done when it was saved (brsf's draws continue from it). */
  step: number;
  tensors: CheckpointTensor[];
  /** The map x·scale + offset the network's inputs went through in training (fit, a trainer), if any. */
  normalization?: Affine;
}

/** Where a normalization breaks the format's rules, or undefined. */
function normalizationFault(n: unknown): string | undefined {
  const fault = affineFault(n);
  return fault === undefined ? undefined : `normalization ${JSON.stringify(n)}: ${fault}`;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE), the checksum of zlib and PNG. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A tensor's name: letters then a layer number (W1, b2, B2, D1, M2, vW1, vB2). */
const TENSOR_NAME = /^[A-Za-z]+[0-9]+$/;
/** The most rows or columns a tensor may have. */
const MAX_DIM = 1 << 30;
/** The largest step count: the GPU counts steps in a u32 (brsf's draws), a larger one would wrap when restored. */
const MAX_STEP = 0xffffffff;

/** Where a checkpoint's tensor breaks the format's rules (name, shape, values), or undefined. */
function tensorFault(name: unknown, shape: unknown): string | undefined {
  if (typeof name !== 'string' || !TENSOR_NAME.test(name)) return `tensor name ${JSON.stringify(name)} is not letters then a layer number (W1, b1, B2, vW1, …)`;
  if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((d) => Number.isSafeInteger(d) && d >= 1 && d <= MAX_DIM)) {
    return `tensor ${name} has shape ${JSON.stringify(shape)}, expected [rows, cols] of integers in 1..${MAX_DIM}`;
  }
  return undefined;
}

/** The first value of `data` that is NaN or infinite, as a phrase, or undefined. */
export function nonFiniteValue(name: string, data: Float32Array): string | undefined {
  const i = data.findIndex((v) => !Number.isFinite(v));
  return i < 0 ? undefined : `tensor ${name} holds ${data[i]} at index ${i}`;
}

/**
 * Serialises a checkpoint (see the format above). What `decodeCheckpoint` would refuse is
 * refused here, with an 'invalid-argument' error, so that no file is written that cannot be read.
 */
export function encodeCheckpoint(c: Checkpoint): Uint8Array {
  const refuse = (why: string) => new FaWebGpuError('invalid-argument', `encodeCheckpoint: ${why}`);
  if (typeof c !== 'object' || c === null || typeof c.options !== 'object' || c.options === null || Array.isArray(c.options) || !Array.isArray(c.tensors)) {
    throw refuse('expected { options, step, tensors }');
  }
  if (!Number.isSafeInteger(c.step) || c.step < 0 || c.step > MAX_STEP) throw refuse(`step must be an integer in 0..${MAX_STEP}, got ${c.step}`);
  const normalization = c.normalization === undefined ? undefined : normalizationFault(c.normalization);
  if (normalization) throw refuse(normalization);
  for (const t of c.tensors) {
    const fault = tensorFault(t?.name, t?.shape);
    if (fault) throw refuse(fault);
    if (!(t.data instanceof Float32Array) || t.data.length !== t.shape[0] * t.shape[1]) {
      throw refuse(`tensor ${t.name} [${t.shape.join('×')}] needs a Float32Array of ${t.shape[0] * t.shape[1]} values`);
    }
    const nonFinite = nonFiniteValue(t.name, t.data);
    if (nonFinite) throw refuse(`${nonFinite}; a checkpoint holds finite values only`);
  }
  const header = new TextEncoder().encode(JSON.stringify({
    options: c.options,
    step: c.step,
    tensors: c.tensors.map((t) => ({ name: t.name, shape: t.shape })),
    ...(c.normalization ? { normalization: { scale: c.normalization.scale, offset: c.normalization.offset } } : {}),
  }));
  const headerEnd = 16 + header.length;
  const dataStart = Math.ceil(headerEnd / 4) * 4;
  const values = c.tensors.reduce((n, t) => n + t.data.length, 0);
  const out = new Uint8Array(dataStart + 4 * values + 4);
  out.set(new TextEncoder().encode(CHECKPOINT_MAGIC), 0);
  const view = new DataView(out.buffer);
  view.setUint32(8, CHECKPOINT_VERSION, true);
  view.setUint32(12, header.length, true);
  out.set(header, 16);
  let at = dataStart;
  for (const t of c.tensors) {
    for (let i = 0; i < t.data.length; i++, at += 4) view.setFloat32(at, t.data[i], true);
  }
  view.setUint32(at, crc32(out.subarray(0, at)), true);
  return out;
}

const bad = (why: string) => new FaWebGpuError('invalid-data', `checkpoint: ${why}`);

/** Parses and verifies a checkpoint; any damage gives an 'invalid-data' error saying what. */
export function decodeCheckpoint(bytes: Uint8Array): Checkpoint {
  if (!(bytes instanceof Uint8Array)) throw bad('expected the bytes of a checkpoint (a Uint8Array)');
  if (bytes.length < 20) throw bad(`${bytes.length} bytes is too short to be a checkpoint`);
  if (new TextDecoder().decode(bytes.subarray(0, 8)) !== CHECKPOINT_MAGIC) throw bad(`not a fa-webgpu checkpoint (the file does not start with "${CHECKPOINT_MAGIC}")`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== CHECKPOINT_VERSION) throw bad(`format version ${version} is not supported (this library reads version ${CHECKPOINT_VERSION})`);
  const stored = view.getUint32(bytes.length - 4, true);
  const actual = crc32(bytes.subarray(0, bytes.length - 4));
  if (stored !== actual) throw bad(`checksum mismatch (stored 0x${stored.toString(16)}, computed 0x${actual.toString(16)}): the file is damaged or truncated`);
  const headerLength = view.getUint32(12, true);
  if (16 + headerLength > bytes.length - 4) throw bad(`header length ${headerLength} runs past the end of the file`);
  let header: { options?: unknown; step?: unknown; tensors?: unknown; normalization?: unknown };
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(16, 16 + headerLength)));
  } catch (e) {
    throw bad(`the header is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof header !== 'object' || header === null) throw bad('the header is not a JSON object');
  if (typeof header.options !== 'object' || header.options === null || Array.isArray(header.options)) throw bad('the header has no options object');
  if (!Number.isSafeInteger(header.step) || (header.step as number) < 0 || (header.step as number) > MAX_STEP) throw bad(`step must be an integer in 0..${MAX_STEP}, got ${JSON.stringify(header.step)}`);
  if (!Array.isArray(header.tensors)) throw bad('the header has no tensors list');
  const normalization = header.normalization === undefined ? undefined : normalizationFault(header.normalization);
  if (normalization) throw bad(normalization);
  let at = Math.ceil((16 + headerLength) / 4) * 4;
  if (at > bytes.length - 4) throw bad(`the file ends in the header's padding, before the tensor data`);
  for (let p = 16 + headerLength; p < at; p++) if (bytes[p] !== 0) throw bad(`padding byte ${p} after the header is ${bytes[p]}, not 0`);
  const tensors: CheckpointTensor[] = [];
  for (const [i, t] of (header.tensors as unknown[]).entries()) {
    const entry = t as { name?: unknown; shape?: unknown };
    if (typeof entry !== 'object' || entry === null || typeof entry.name !== 'string') throw bad(`tensor ${i} has no name`);
    const fault = tensorFault(entry.name, entry.shape);
    if (fault) throw bad(fault);
    const shape = entry.shape as [number, number];
    const count = shape[0] * shape[1];
    if (at + 4 * count > bytes.length - 4) throw bad(`tensor ${entry.name} [${shape.join('×')}] runs past the end of the data`);
    const data = new Float32Array(count);
    for (let k = 0; k < count; k++, at += 4) data[k] = view.getFloat32(at, true);
    const nonFinite = nonFiniteValue(entry.name, data);
    if (nonFinite) throw bad(nonFinite);
    tensors.push({ name: entry.name, shape: [shape[0], shape[1]], data });
  }
  if (at !== bytes.length - 4) throw bad(`${bytes.length - 4 - at} bytes of data beyond the tensors the header lists`);
  return {
    options: header.options as Record<string, unknown>, step: header.step as number, tensors,
    ...(header.normalization === undefined ? {} : { normalization: header.normalization as Affine }),
  };
}
