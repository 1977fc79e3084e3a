/**
 * The checkpoint codec, and fuzzing of both binary parsers (checkpoints and IDX): thousands of
 * random and mutated inputs must each give a correct parse or an 'invalid-data' error, never
 * another exception or a hang.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FaWebGpuError } from '../../src/errors.js';
import { crc32, decodeCheckpoint, encodeCheckpoint, type Checkpoint } from '../../src/model/checkpoint.js';
import { gunzipIfNeeded, parseIdx } from '../../src/data/idx.js';
import { Pcg32 } from '../../src/model/rng.js';

const sample: Checkpoint = {
  options: { sizes: [3, 4, 2], rule: 'kp', activation: 'tanh', loss: 'mse', learningRate: 0.1, momentum: 0.9, weightDecay: 0, init: 'xavier', seed: 9 },
  step: 17,
  tensors: [
    { name: 'W1', shape: [3, 4], data: new Pcg32(1, 1).normalArray(12, 1) },
    { name: 'b1', shape: [1, 4], data: Float32Array.of(0, -0, 1e-30, 3.4e38) },
    { name: 'vW1', shape: [3, 4], data: new Pcg32(2, 1).normalArray(12, 1) },
  ],
};

describe('checkpoint codec', () => {
  it('CRC-32 has the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('round-trips options, step and every value bit for bit', () => {
    const bytes = encodeCheckpoint(sample);
    expect(new TextDecoder().decode(bytes.subarray(0, 8))).toBe('FAWGPUCK');
    const back = decodeCheckpoint(bytes);
    expect(back.options).toEqual(sample.options);
    expect(back.step).toBe(17);
    expect(back.tensors).toHaveLength(sample.tensors.length);
    back.tensors.forEach((t, i) => {
      expect(t.name).toBe(sample.tensors[i].name);
      expect(t.shape).toEqual(sample.tensors[i].shape);
      expect(Array.from(t.data).every((v, k) => Object.is(v, sample.tensors[i].data[k]))).toBe(true);
    });
  });

  it('keeps the normalization a network was trained with, one map or one per feature, and refuses what is neither', () => {
    for (const normalization of [{ scale: 1 / 255, offset: -0.5 }, { scale: [0.5, 1e-3, 1], offset: [-1, 2.5, 0] }]) {
      expect(decodeCheckpoint(encodeCheckpoint({ ...sample, normalization })).normalization).toEqual(normalization);
    }
    expect('normalization' in decodeCheckpoint(encodeCheckpoint(sample))).toBe(false);
    for (const [bad, why] of [
      [{ scale: NaN, offset: 0 }, /scale and offset must be finite numbers/],
      [{ scale: 1 }, /expected the keys scale and offset, got scale/],
      [{ scale: 1, offset: 0, extra: 1 }, /expected the keys scale and offset/],
      [{ scale: [1, 2], offset: [0] }, /scale and offset must be arrays of the same length, one number a feature \(got 2 and 1\)/],
      [{ scale: [1, Infinity], offset: [0, 0] }, /scale and offset must hold finite numbers of magnitude at most 1e30, got Infinity/],
    ] as const) {
      expect(() => encodeCheckpoint({ ...sample, normalization: bad as never })).toThrow(new RegExp(`^encodeCheckpoint: normalization .*: ${why.source}`));
    }
  });

  /** The sample with a header whose length is not a multiple of 4 (so that padding follows it). */
  const padded = (): Checkpoint => {
    for (let extra = 0; ; extra++) {
      const c = { ...sample, options: { ...sample.options, note: 'x'.repeat(extra) } };
      if (new DataView(encodeCheckpoint(c).buffer).getUint32(12, true) % 4 !== 0) return c;
    }
  };
  const withCrc = (b: Uint8Array) => {
    const out = Uint8Array.from(b);
    new DataView(out.buffer).setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
    return out;
  };
  /**
   * A file written from the format's description, not by encodeCheckpoint (which refuses what
   * the decoder must refuse): the header as given, the values as f32, a correct checksum.
   */
  const written = (header: unknown, values: number[]) => {
    const json = new TextEncoder().encode(JSON.stringify(header));
    const dataStart = Math.ceil((16 + json.length) / 4) * 4;
    const b = new Uint8Array(dataStart + 4 * values.length + 4);
    const view = new DataView(b.buffer);
    b.set(new TextEncoder().encode('FAWGPUCK'));
    view.setUint32(8, 1, true);
    view.setUint32(12, json.length, true);
    b.set(json, 16);
    values.forEach((v, i) => view.setFloat32(dataStart + 4 * i, v, true));
    return withCrc(b);
  };
  const damaged: [string, () => Uint8Array, RegExp][] = [
    ['too short', () => new Uint8Array(10), /10 bytes is too short/],
    ['another file', () => withCrc(new TextEncoder().encode('PK\u0003\u0004 some zip file......')), /not a fa-webgpu checkpoint/],
    ['a flipped bit', () => { const b = encodeCheckpoint(sample); b[60] ^= 1; return b; }, /checksum mismatch/],
    ['truncated', () => encodeCheckpoint(sample).subarray(0, 100), /checksum mismatch/],
    ['a newer version', () => { const b = encodeCheckpoint(sample); new DataView(b.buffer).setUint32(8, 2, true); return withCrc(b); }, /format version 2 is not supported/],
    ['a header past the end', () => { const b = encodeCheckpoint(sample); new DataView(b.buffer).setUint32(12, 1e6, true); return withCrc(b); }, /header length 1000000 runs past the end/],
    ['a NaN value', () => written({ options: {}, step: 0, tensors: [{ name: 'W1', shape: [1, 2] }] }, [1, NaN]), /tensor W1 holds NaN at index 1/],
    ['an infinite value', () => written({ options: {}, step: 0, tensors: [{ name: 'W1', shape: [1, 2] }] }, [-Infinity, 1]), /tensor W1 holds -Infinity at index 0/],
    ['a bad shape', () => written({ options: {}, step: 0, tensors: [{ name: 'W1', shape: [0, 2] }] }, []), /tensor W1 has shape \[0,2\]/],
    ['a normalization that is not one', () => written({ options: {}, step: 0, tensors: [], normalization: { scale: 'x', offset: 0 } }, []), /normalization \{"scale":"x","offset":0\}: scale and offset must be finite numbers/],
    // One name standing for two tensors of a list compared as text ("B2 [4×4], B3 [4×4]").
    ['a name that is not letters then a layer number', () => written({ options: {}, step: 0, tensors: [{ name: 'B2 [1×1], B3', shape: [1, 1] }] }, [7]), /tensor name "B2 \[1×1\], B3" is not letters then a layer number/],
    ['data beyond the tensors', () => {
      const b = encodeCheckpoint(sample);
      const longer = new Uint8Array(b.length + 8);
      longer.set(b.subarray(0, b.length - 4));
      return withCrc(longer);
    }, /8 bytes of data beyond the tensors/],
    ['a step the GPU\'s u32 counter cannot hold', () => written({ options: {}, step: 2 ** 32, tensors: [] }, []), /step must be an integer in 0\.\.4294967295, got 4294967296/],
    ['a non-zero padding byte after the header', () => {
      const b = encodeCheckpoint(padded());
      b[16 + new DataView(b.buffer).getUint32(12, true)] = 7;
      return withCrc(b);
    }, /padding byte \d+ after the header is 7, not 0/],
    ['an end inside the header\'s padding', () => {
      // no tensors, and the file cut after the header: its padding runs into the checksum
      const b = encodeCheckpoint({ ...padded(), tensors: [] });
      const headerEnd = 16 + new DataView(b.buffer).getUint32(12, true);
      return withCrc(Uint8Array.of(...b.subarray(0, headerEnd), 0, 0, 0, 0));
    }, /the file ends in the header's padding, before the tensor data/],
  ];
  it('the writer by the description and encodeCheckpoint agree byte for byte', () => {
    const values = sample.tensors.flatMap((t) => Array.from(t.data));
    expect(written({ options: sample.options, step: sample.step, tensors: sample.tensors.map((t) => ({ name: t.name, shape: t.shape })) }, values)).toEqual(encodeCheckpoint(sample));
  });

  // What the decoder would refuse is not written: a diverged state saved would be a file that never loads.
  const unwritable: [string, Checkpoint, RegExp][] = [
    ['a NaN value', { ...sample, tensors: [{ name: 'W1', shape: [1, 2], data: Float32Array.of(1, NaN) }] }, /tensor W1 holds NaN at index 1; a checkpoint holds finite values only/],
    ['an infinite value', { ...sample, tensors: [{ name: 'b1', shape: [1, 1], data: Float32Array.of(Infinity) }] }, /tensor b1 holds Infinity at index 0/],
    ['a bad shape', { ...sample, tensors: [{ name: 'W1', shape: [0, 2] as [number, number], data: new Float32Array(0) }] }, /tensor W1 has shape \[0,2\]/],
    ['data of the wrong length', { ...sample, tensors: [{ name: 'W1', shape: [2, 2], data: new Float32Array(3) }] }, /tensor W1 \[2×2\] needs a Float32Array of 4 values/],
    ['a name with a separator', { ...sample, tensors: [{ name: 'B2, B3', shape: [1, 1], data: new Float32Array(1) }] }, /tensor name "B2, B3" is not letters then a layer number/],
    ['a step past the u32 counter', { ...sample, step: 2 ** 32 }, /step must be an integer in 0\.\.4294967295, got 4294967296/],
    ['a negative step', { ...sample, step: -1 }, /step must be an integer/],
  ];
  for (const [name, c, message] of unwritable) {
    it(`does not write ${name}`, () => {
      expect(() => encodeCheckpoint(c)).toThrow(message);
      try {
        encodeCheckpoint(c);
      } catch (e) {
        expect((e as FaWebGpuError).code).toBe('invalid-argument');
      }
    });
  }

  for (const [name, make, message] of damaged) {
    it(`refuses ${name}`, () => {
      expect(() => decodeCheckpoint(make())).toThrow(message);
      try {
        decodeCheckpoint(make());
      } catch (e) {
        expect((e as FaWebGpuError).code).toBe('invalid-data');
      }
    });
  }
});

/**
 * Runs parse on each input; every outcome must be a value or an 'invalid-data' FaWebGpuError.
 * Counts the inputs parsed, those rejected, and those parsed though they differ from `original`.
 */
async function fuzz(inputs: Iterable<Uint8Array>, parse: (b: Uint8Array) => unknown | Promise<unknown>, original?: Uint8Array) {
  let parsed = 0, rejected = 0, parsedChanged = 0;
  const same = (b: Uint8Array) => original !== undefined && b.length === original.length && b.every((v, i) => v === original[i]);
  for (const input of inputs) {
    try {
      await parse(input);
      parsed++;
      if (original && !same(input)) parsedChanged++;
    } catch (e) {
      if (!(e instanceof FaWebGpuError) || e.code !== 'invalid-data') throw new Error(`unexpected ${String(e)} for input of ${input.length} bytes`);
      rejected++;
    }
  }
  return { parsed, rejected, parsedChanged };
}

/** Random bytes, then valid files with 1–8 random byte changes, insertions or cuts. */
function* mutations(valid: Uint8Array, count: number, seed: number, fixCrc = false): Generator<Uint8Array> {
  const rng = new Pcg32(seed, 21);
  const int = (n: number) => Math.floor(rng.nextUniform() * n);
  for (let i = 0; i < count; i++) {
    if (i % 10 === 0) {
      yield Uint8Array.from({ length: int(200) }, () => int(256));
      continue;
    }
    let b = Uint8Array.from(valid);
    for (let m = 1 + int(8); m > 0; m--) {
      const kind = int(4);
      if (kind === 0) b[int(b.length)] = int(256);
      else if (kind === 1) b[int(Math.min(b.length, 24))] ^= 1 << int(8);
      else if (kind === 2) b = b.subarray(0, int(b.length + 1));
      else {
        const at = int(b.length + 1);
        const grown = new Uint8Array(b.length + 1);
        grown.set(b.subarray(0, at));
        grown[at] = int(256);
        grown.set(b.subarray(at), at + 1);
        b = grown;
      }
    }
    if (fixCrc && b.length >= 20) new DataView(b.buffer, b.byteOffset).setUint32(b.length - 4, crc32(b.subarray(0, b.length - 4)), true);
    yield b;
  }
}

describe('fuzzing the parsers', () => {
  it('checkpoint: 3,000 mutated inputs, and 3,000 more with their checksum repaired so the header parser is reached', async () => {
    const valid = encodeCheckpoint(sample);
    const a = await fuzz(mutations(valid, 3000, 1), decodeCheckpoint, valid);
    const b = await fuzz(mutations(valid, 3000, 2, true), decodeCheckpoint);
    console.log(`checkpoint fuzz: ${a.rejected} rejected, ${a.parsed} parsed; with repaired checksums ${b.rejected} rejected, ${b.parsed} parsed`);
    // Without a repaired checksum, no changed input gets through (mutations that change nothing may).
    expect(a.parsedChanged).toBe(0);
    expect(a.rejected).toBeGreaterThan(2500);
    expect(b.rejected).toBeGreaterThan(1000);
  });

  it('IDX: 5,000 mutated plain inputs and 500 mutated gzip inputs', async () => {
    const valid = new Uint8Array(4 + 12 + 2 * 3 * 4);
    valid.set([0, 0, 8, 3]);
    const view = new DataView(valid.buffer);
    [2, 3, 4].forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
    expect(parseIdx(valid).dims).toEqual([2, 3, 4]);
    const plain = await fuzz(mutations(valid, 5000, 3), (b) => parseIdx(b));
    const gz = await fuzz(mutations(new Uint8Array(gzipSync(valid)), 500, 4), async (b) => parseIdx(await gunzipIfNeeded(b)));
    console.log(`IDX fuzz: ${plain.rejected} rejected, ${plain.parsed} parsed; gzip ${gz.rejected} rejected, ${gz.parsed} parsed`);
    expect(plain.rejected).toBeGreaterThan(1000);
    expect(gz.rejected).toBeGreaterThan(100);
  }, 60_000);
});
