/**
 * The IDX format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/): a 4-byte
 * magic (0, 0, type, number of dimensions), big-endian u32 sizes, then the values. Only
 * unsigned bytes (type 0x08) are used by these sets and accepted here. Files may be gzipped;
 * they are inflated with the platform's DecompressionStream (browsers, Node, Deno).
 */
import { FaWebGpuError, invalid } from '../errors.js';
import { describe } from '../validate.js';
import { checkClassNames, checkDataset, type Dataset } from './dataset.js';

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const bad = (name: string, why: string) => new FaWebGpuError('invalid-data', `${name}: ${why}`);

/** The most values an IDX file may hold here: 2 GiB of bytes (Fashion-MNIST's largest file holds 47 million). */
export const MAX_IDX_VALUES = 2 ** 31;

/**
 * An IDX header from the first bytes of a file: its dimensions, header length and value count,
 * or undefined while `bytes` are too few to hold it (`partial`; else that is an error).
 */
function idxHeader(bytes: Uint8Array, name: string, partial = false): { dims: number[]; header: number; count: number } | undefined {
  if (bytes.length < 4) {
    if (partial) return undefined;
    throw bad(name, `not an IDX file: ${bytes.length} bytes, shorter than the 4-byte magic`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) throw bad(name, `not an IDX file: the magic must start with two zero bytes, got 0x${hex(bytes[0])} 0x${hex(bytes[1])}`);
  if (bytes[2] !== 0x08) throw bad(name, `IDX value type 0x${hex(bytes[2])} is not supported; MNIST-style files hold unsigned bytes (0x08)`);
  const ndim = bytes[3];
  if (ndim < 1 || ndim > 4) throw bad(name, `expected 1 to 4 dimensions, got ${ndim}`);
  const header = 4 + 4 * ndim;
  if (bytes.length < header) {
    if (partial) return undefined;
    throw bad(name, `truncated header: ${ndim} dimensions need ${header} bytes, the file has ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let d = 0; d < ndim; d++) dims.push(view.getUint32(4 + 4 * d, false));
  if (dims.some((d) => d === 0)) throw bad(name, `a dimension is 0: [${dims.join('×')}]`);
  const count = dims.reduce((a, b) => a * b, 1);
  // A header is the attacker's to write: refuse a size no dataset here needs before inflating toward it.
  if (count > MAX_IDX_VALUES) throw bad(name, `the header promises [${dims.join('×')}] = ${count} values, more than the ${MAX_IDX_VALUES} this reader takes`);
  return { dims, header, count };
}

/** Parses an (inflated) IDX file of unsigned bytes. */
export function parseIdx(bytes: Uint8Array, name = 'IDX file'): IdxArray {
  if (!(bytes instanceof Uint8Array)) throw invalid(`parseIdx: expected the bytes of an IDX file (a Uint8Array), got ${describe(bytes)}`);
  const { dims, header, count } = idxHeader(bytes, name)!;
  const held = bytes.length - header;
  if (held < count) throw bad(name, `truncated: the header promises [${dims.join('×')}] = ${count} values, the file holds ${held}`);
  if (held > count) throw bad(name, `${held - count} bytes after the [${dims.join('×')}] values`);
  return { dims, data: bytes.subarray(header) };
}

function hex(b: number): string {
  return b.toString(16).padStart(2, '0');
}

/** The most bytes gzip data is inflated to: the largest IDX file this reader takes (values and a 4-dimension header). */
export const MAX_INFLATED_BYTES = MAX_IDX_VALUES + 20;

/**
 * Inflates gzip data (magic 1f 8b); other bytes are returned as they are. `length`, given the
 * first bytes inflated so far, says how long the whole should be once it can tell (undefined
 * until then): inflating stops with an error as soon as the output passes it, so that a small
 * file cannot inflate to gigabytes before its header is checked. Without it, or until it can
 * tell, the output stops at MAX_INFLATED_BYTES.
 * Bytes after the first gzip member (a second member, padding) are refused by the
 * DecompressionStream of browsers and Deno and read or skipped by Node's.
 */
export async function gunzipIfNeeded(bytes: Uint8Array, name = 'file', length?: (head: Uint8Array) => number | undefined): Promise<Uint8Array> {
  if (!(bytes instanceof Uint8Array)) throw invalid(`gunzipIfNeeded: expected a Uint8Array, got ${describe(bytes)}`);
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  const chunks: Uint8Array[] = [];
  let total = 0;
  let expected: number | undefined;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  try {
    reader = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip')).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.length;
      if (length && expected === undefined) expected = length(concat(chunks, Math.min(total, 64)));
      if (expected !== undefined && total > expected) {
        throw bad(name, `inflates to more than the ${expected} bytes its header promises`);
      }
      if (total > MAX_INFLATED_BYTES) throw bad(name, `inflates to more than ${MAX_INFLATED_BYTES} bytes, the most this reader takes`);
    }
  } catch (e) {
    await reader?.cancel().catch(() => {});
    if (e instanceof FaWebGpuError) throw e;
    throw bad(name, `corrupt or truncated gzip data (${e instanceof Error ? e.message : String(e)})`);
  }
  return concat(chunks, total);
}

/** The first `n` bytes of the chunks, in one array. */
function concat(chunks: readonly Uint8Array[], n: number): Uint8Array {
  if (chunks.length === 1 && chunks[0].length === n) return chunks[0];
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    if (at >= n) break;
    const part = c.subarray(0, n - at);
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** A file path (Node, Deno), a URL (relative ones in a browser), a File or Blob, or the bytes. */
export type DataSource = string | URL | Blob | ArrayBuffer | Uint8Array;

/** How a source is named in messages: its path, URL or file name. */
export function sourceName(src: DataSource): string {
  if (typeof src === 'string') return src;
  if (src instanceof URL) return src.href;
  if (typeof File !== 'undefined' && src instanceof File) return src.name;
  return 'data';
}

/** Node and Deno read string sources as file paths; a browser fetches them as URLs. */
export function hasFileSystem(): boolean {
  const g = globalThis as { process?: { versions?: { node?: string } }; Deno?: unknown };
  return typeof g.process?.versions?.node === 'string' || g.Deno !== undefined;
}

/** The bytes of a source. */
export async function readSource(src: DataSource): Promise<Uint8Array> {
  const name = sourceName(src);
  try {
    if (src instanceof Uint8Array) return src;
    if (src instanceof ArrayBuffer) return new Uint8Array(src);
    if (src instanceof Blob) return new Uint8Array(await src.arrayBuffer());
    // file: URLs are files (Node's fetch does not read them)
    if (hasFileSystem() && (src instanceof URL ? src.protocol === 'file:' : /^file:/i.test(src))) return await readFileBytes(new URL(src));
    if (src instanceof URL || /^(https?|blob|data):/.test(src) || !hasFileSystem()) {
      const response = await fetch(src);
      if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`);
      return new Uint8Array(await response.arrayBuffer());
    }
    return await readFileBytes(src);
  } catch (e) {
    throw new FaWebGpuError('invalid-data', `${name}: could not be read (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** A file's bytes through node:fs (Node and Deno), from a path or a file: URL. */
async function readFileBytes(path: string | URL): Promise<Uint8Array> {
  const fs = 'node:fs/promises';
  const { readFile } = (await import(/* @vite-ignore */ fs)) as { readFile(path: string | URL): Promise<Uint8Array> };
  return new Uint8Array(await readFile(path));
}

/** Reads, inflates and parses one IDX source. */
export async function loadIdx(src: DataSource): Promise<IdxArray> {
  const name = sourceName(src);
  // Inflating stops once past the length the header gives (or at its first error).
  const length = (head: Uint8Array) => {
    const h = idxHeader(head, name, true);
    return h && h.header + h.count;
  };
  return parseIdx(await gunzipIfNeeded(await readSource(src), name, length), name);
}

/**
 * An images file [n×rows×cols] (or [n×features]) and a labels file [n] as a dataset of bytes.
 * Counts must match and labels must be below `classes`.
 */
export async function loadIdxDataset(images: DataSource, labels: DataSource, classes = 10, classNames?: readonly string[]): Promise<Dataset> {
  // The caller's arguments before the files: a bad one is not the labels file's fault.
  if (!Number.isInteger(classes) || classes < 2 || classes > 256) throw invalid(`classes: expected an integer in 2..256 (labels are bytes), got ${classes}`);
  checkClassNames('classNames', classNames, classes);
  const [img, lab] = await Promise.all([loadIdx(images), loadIdx(labels)]);
  const imgName = sourceName(images), labName = sourceName(labels);
  if (img.dims.length < 2) throw bad(imgName, `expected images of 2 or more dimensions [n×…], got [${img.dims.join('×')}]`);
  if (lab.dims.length !== 1) throw bad(labName, `expected labels of 1 dimension [n], got [${lab.dims.join('×')}]`);
  if (img.dims[0] !== lab.dims[0]) throw bad(labName, `holds ${lab.dims[0]} labels but ${imgName} holds ${img.dims[0]} images`);
  const labelValues = Int32Array.from(lab.data);
  const badLabel = labelValues.findIndex((v) => v >= classes);
  if (badLabel >= 0) throw bad(labName, `label ${labelValues[badLabel]} at row ${badLabel} is not below ${classes} classes`);
  return checkDataset(imgName, {
    x: img.data,
    labels: labelValues,
    features: img.dims.slice(1).reduce((a, b) => a * b, 1),
    classes,
    classNames,
  });
}
