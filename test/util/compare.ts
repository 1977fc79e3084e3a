/**
 * Float32 GPU results against float64 reference values. The error measure is norm-wise:
 * relErr = max_i |got_i − want_i| / max_i |want_i| (llm.c's absolute + relative tolerance with
 * the absolute part scaled to the tensor), so near-zero entries produced by cancellation do not
 * dominate. Where every entry is one sum (a column sum, a dot product), a tensor of one or a few
 * entries has no large neighbour to scale by: `magnitude` then gives each entry's sum of
 * absolute terms (Σ|x|, Σ|a·b|), the scale of float32 rounding in that sum (its error bound is
 * about n·ε·Σ|terms|), and entry i is held to tol · max(max|want|, magnitude_i). An expected
 * NaN or infinity passes only where the same value came back. The first few offending entries
 * are kept for the failure message.
 */
export interface Mismatch {
  index: number;
  got: number;
  want: number;
}

export interface Comparison {
  name: string;
  count: number;
  relErr: number;
  maxAbs: number;
  worst: Mismatch | null;
  mismatches: Mismatch[];
  ok: boolean;
}

/** Entries whose expected magnitude is below this are compared absolutely against it. */
const FLOOR = 1e-12;

/** A failed comparison of two things of different lengths. */
function lengthMismatch(name: string, got: number, want: number): Comparison {
  return { name, count: got, relErr: Infinity, maxAbs: Infinity, worst: null, mismatches: [{ index: -1, got, want }], ok: false };
}

export function compare(name: string, got: ArrayLike<number>, want: ArrayLike<number>, tol: number, magnitude?: ArrayLike<number>): Comparison {
  if (got.length !== want.length) return lengthMismatch(name, got.length, want.length);
  // The scale is the finite entries'; a non-finite expected entry needs the same value back.
  let scale = FLOOR;
  for (let i = 0; i < want.length; i++) if (Number.isFinite(want[i])) scale = Math.max(scale, Math.abs(want[i]));
  let maxAbs = 0;
  let relErr = 0;
  let worst: Mismatch | null = null;
  const mismatches: Mismatch[] = [];
  for (let i = 0; i < got.length; i++) {
    const diff = Number.isFinite(want[i]) ? Math.abs(got[i] - want[i]) : Object.is(got[i], want[i]) ? 0 : Infinity;
    const err = Number.isNaN(diff) ? Infinity : diff;
    const entryScale = magnitude && Number.isFinite(magnitude[i]) ? Math.max(scale, Math.abs(magnitude[i])) : scale;
    maxAbs = Math.max(maxAbs, err);
    if (worst === null || err / entryScale > relErr) {
      relErr = err / entryScale;
      worst = { index: i, got: got[i], want: want[i] };
    }
    if (err > tol * entryScale && mismatches.length < 5) mismatches.push({ index: i, got: got[i], want: want[i] });
  }
  return { name, count: got.length, relErr, maxAbs, worst, mismatches, ok: mismatches.length === 0 };
}

/** Compares lists of tensors pairwise; a list of another length is a failed comparison itself. */
export function compareLists(name: string, got: ArrayLike<number>[], want: ArrayLike<number>[], tol: number): Comparison[] {
  if (got.length !== want.length) return [lengthMismatch(`${name}: tensors`, got.length, want.length)];
  return got.map((g, k) => compare(`${name}${k + 1}`, g, want[k], tol));
}

/** A one-line report for logs and assertion messages. */
export function describeComparison(c: Comparison): string {
  // Infinity crosses page.evaluate's JSON as null.
  const head = `${c.name}: ${c.count} values, relErr ${(c.relErr ?? Infinity).toExponential(2)}`;
  if (c.ok) return head;
  return `${head}; first mismatches ${c.mismatches.map((m) => `[${m.index}] got ${m.got} want ${m.want}`).join(', ')}`;
}
