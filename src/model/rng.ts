/**
 * PCG32 (O'Neill's pcg32_random_r, XSH-RR output) with its 64-bit state kept in two
 * uint32 halves, so every JavaScript engine produces the same stream without BigInt.
 * Seeded generation is what makes `seed: 7` mean the same weights on every machine.
 */

const MUL_HI = 0x5851f42d; // 6364136223846793005 = 0x5851F42D_4C957F2D
const MUL_LO = 0x4c957f2d;

/** Full 64-bit product of two uint32 values as [hi, lo], from 16-bit limbs (all exact in float64). */
function mul32(a: number, b: number): [number, number] {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  const lo = (((mid & 0xffff) << 16) | (p00 & 0xffff)) >>> 0;
  const hi = (p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)) >>> 0;
  return [hi, lo];
}

/** Splits a non-negative safe integer into uint32 halves; seeds are validated before this. */
function split64(value: number): [number, number] {
  return [Math.floor(value / 0x100000000) >>> 0, value >>> 0];
}

export class Pcg32 {
  private hi = 0;
  private lo = 0;
  private readonly incHi: number;
  private readonly incLo: number;
  /** Spare normal deviate from the last Box-Muller pair. */
  private spare: number | null = null;

  /**
   * pcg32_srandom_r(initstate = seed, initseq = stream): different streams of one seed are
   * independent sequences, which is how forward weights and feedback matrices stay apart.
   */
  constructor(seed: number, stream = 0) {
    const [sHi, sLo] = split64(seed);
    const [qHi, qLo] = split64(stream);
    // inc = (initseq << 1) | 1
    this.incHi = ((qHi << 1) | (qLo >>> 31)) >>> 0;
    this.incLo = ((qLo << 1) | 1) >>> 0;
    this.nextUint32();
    const lo = this.lo + sLo;
    this.lo = lo >>> 0;
    this.hi = (this.hi + sHi + (lo > 0xffffffff ? 1 : 0)) >>> 0;
    this.nextUint32();
  }

  /** The 64-bit state as [hi, lo]; exposed for tests against published values. */
  get state(): [number, number] {
    return [this.hi, this.lo];
  }

  nextUint32(): number {
    const oldHi = this.hi, oldLo = this.lo;
    // state = old * MUL + inc (mod 2^64)
    const [pHi, pLo] = mul32(oldLo, MUL_LO);
    const cross = (Math.imul(oldHi, MUL_LO) + Math.imul(oldLo, MUL_HI)) >>> 0;
    const lo = pLo + this.incLo;
    this.lo = lo >>> 0;
    this.hi = (pHi + cross + this.incHi + (lo > 0xffffffff ? 1 : 0)) >>> 0;
    // xorshifted = ((old >> 18) ^ old) >> 27, truncated to 32 bits; rot = old >> 59
    const tLo = ((oldLo >>> 18) | (oldHi << 14)) ^ oldLo;
    const tHi = (oldHi >>> 18) ^ oldHi;
    const x = ((tLo >>> 27) | (tHi << 5)) >>> 0;
    const rot = oldHi >>> 27;
    return ((x >>> rot) | (x << ((32 - rot) & 31))) >>> 0;
  }

  /** Uniform in the open interval (0, 1), never exactly 0 so log() stays finite. */
  nextUniform(): number {
    return (this.nextUint32() + 0.5) / 0x100000000;
  }

  /** Standard normal deviate by Box-Muller, two per pair of uniforms. */
  nextNormal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(this.nextUniform()));
    const theta = 2 * Math.PI * this.nextUniform();
    this.spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /** Float32Array of `count` draws from N(0, std²), rounded once from float64. */
  normalArray(count: number, std: number): Float32Array {
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = std * this.nextNormal();
    return out;
  }
}
