/**
 * Float64 CPU versions of every kernel in shaders/, written to be read. Each function
 * mirrors one WGSL kernel's contract (same shapes, same row-major layouts), so a GPU
 * result can be compared against it element by element.
 */
import { LEAKY_SLOPE, type Activation } from '../model/options.js';
import { pcgHash, unit } from '../model/hash.js';
import { angleFromSums } from '../train/metrics.js';

type Vec = ArrayLike<number>;

/** f(a) for a hidden layer. */
export function activate(a: number, activation: Activation): number {
  switch (activation) {
    case 'relu': return a > 0 ? a : 0;
    case 'leaky-relu': return a > 0 ? a : LEAKY_SLOPE * a;
    case 'tanh': return Math.tanh(a);
    case 'sigmoid': return 1 / (1 + Math.exp(-a));
    case 'linear': return a;
  }
}

/** f′(a), taken at the pre-activation a (the ReLU mask is f′ for relu). */
export function activationDerivative(a: number, activation: Activation): number {
  switch (activation) {
    case 'relu': return a > 0 ? 1 : 0;
    case 'leaky-relu': return a > 0 ? 1 : LEAKY_SLOPE;
    case 'tanh': { const t = Math.tanh(a); return 1 - t * t; }
    case 'sigmoid': { const s = 1 / (1 + Math.exp(-a)); return s * (1 - s); }
    case 'linear': return 1;
  }
}

/**
 * C [M×N] = op(A)·op(B). op(A) is A stored [M×K], or with transA the transpose of A stored
 * [K×M]; op(B) is B stored [K×N], or with transB the transpose of B stored [N×K].
 */
export function matmul(a: Vec, b: Vec, M: number, N: number, K: number, transA = false, transB = false): Float64Array {
  const c = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let sum = 0;
      for (let k = 0; k < K; k++) {
        const av = transA ? a[k * M + i] : a[i * K + k];
        const bv = transB ? b[j * K + k] : b[k * N + j];
        sum += av * bv;
      }
      c[i * N + j] = sum;
    }
  }
  return c;
}

/** pre [rows×cols] + bias [cols] broadcast over rows, and f of it. */
export function biasActivation(pre: Vec, bias: Vec, rows: number, cols: number, activation: Activation) {
  const a = new Float64Array(rows * cols);
  const h = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const v = pre[i * cols + j] + bias[j];
      a[i * cols + j] = v;
      h[i * cols + j] = activate(v, activation);
    }
  }
  return { pre: a, out: h };
}

/**
 * Softmax cross-entropy over logits [rows×classes] with integer labels [rows]:
 * rowLoss[i] = −log softmax(logits_i)[y_i] / rows (so Σ rowLoss is the batch mean),
 * dLogits = (softmax − onehot) / rows.
 */
export function softmaxCrossEntropy(logits: Vec, labels: Vec, rows: number, classes: number) {
  const dLogits = new Float64Array(rows * classes);
  const rowLoss = new Float64Array(rows);
  let loss = 0;
  for (let i = 0; i < rows; i++) {
    let max = -Infinity;
    for (let j = 0; j < classes; j++) max = Math.max(max, logits[i * classes + j]);
    let sum = 0;
    for (let j = 0; j < classes; j++) sum += Math.exp(logits[i * classes + j] - max);
    const y = labels[i];
    // The other classes' mass Σ_{j≠y} e^(z_j − max), summed directly: 1 − p_y and −log p_y are
    // taken from it, since subtracting p_y from 1 loses every digit when p_y ≈ 1 − 1e-16.
    const ey = Math.exp(logits[i * classes + y] - max);
    let others = 0;
    for (let j = 0; j < classes; j++) if (j !== y) others += Math.exp(logits[i * classes + j] - max);
    for (let j = 0; j < classes; j++) {
      const p = Math.exp(logits[i * classes + j] - max) / sum;
      dLogits[i * classes + j] = (j === y ? -others / sum : p) / rows;
    }
    // −log p_y = log(sum) − (z_y − max), or log1p(others / e_y) when p_y ≥ ½.
    rowLoss[i] = (others <= ey ? Math.log1p(others / ey) : Math.log(sum) - (logits[i * classes + y] - max)) / rows;
    loss += rowLoss[i];
  }
  return { dLogits, rowLoss, loss };
}

/**
 * The error signal of a hidden layer: δ [rows×hidden] = (e·F) ⊙ f′(pre), e [rows×classes].
 * F is the feedback matrix stored [classes×hidden] (FA: fixed random B), or with
 * `transposed` the forward weights W stored [hidden×classes] used as Wᵀ (BP).
 */
export function hiddenSignal(
  e: Vec, f: Vec, pre: Vec, rows: number, hidden: number, classes: number,
  transposed: boolean, activation: Activation,
): Float64Array {
  const s = matmul(e, f, rows, hidden, classes, false, transposed);
  for (let i = 0; i < rows * hidden; i++) s[i] *= activationDerivative(pre[i], activation);
  return s;
}

/** out[j] = Σ_i g[i, j] for g [rows×cols]: the bias gradient. */
export function columnSum(g: Vec, rows: number, cols: number): Float64Array {
  const out = new Float64Array(cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j] += g[i * cols + j];
  return out;
}

/**
 * SGD with momentum and weight decay, torch.optim.SGD's semantics:
 * g ← grad + λθ; v ← μv + g; θ ← θ − ηv (v starts at zero, so the first v is the first g).
 */
export function sgdMomentum(theta: Vec, grad: Vec, velocity: Vec, o: { learningRate: number; momentum: number; weightDecay: number }) {
  const next = new Float64Array(theta.length);
  const v = new Float64Array(theta.length);
  for (let i = 0; i < theta.length; i++) {
    const g = grad[i] + o.weightDecay * theta[i];
    v[i] = o.momentum * velocity[i] + g;
    next[i] = theta[i] - o.learningRate * v[i];
  }
  return { theta: next, velocity: v };
}

/** Squared error with an identity output: rowLoss = ½‖z − onehot‖²/rows, dOut = (z − onehot)/rows. */
export function mseLoss(z: Vec, labels: Vec, rows: number, classes: number) {
  const dOut = new Float64Array(rows * classes);
  const rowLoss = new Float64Array(rows);
  let loss = 0;
  for (let i = 0; i < rows; i++) {
    let sum = 0;
    for (let j = 0; j < classes; j++) {
      const d = z[i * classes + j] - (j === labels[i] ? 1 : 0);
      dOut[i * classes + j] = d / rows;
      sum += d * d;
    }
    rowLoss[i] = (0.5 * sum) / rows;
    loss += rowLoss[i];
  }
  return { dOut, rowLoss, loss };
}

/** The transpose of a [rows×cols] row-major matrix. */
export function transpose(m: Vec, rows: number, cols: number): Float64Array {
  const t = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = m[i * cols + j];
  return t;
}

/** M ⊙ sign(W)ᵀ for magnitudes M [rows×cols] and W [cols×rows] (sign(0) = 0). */
export function signConcordant(m: Vec, w: Vec, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = m[r * cols + c] * Math.sign(w[c * rows + r]);
  return out;
}

/**
 * brsf's magnitudes for one layer at one step, as feedback_draw.wgsl draws them:
 * scale·|Σ_{t<12} u_t − 6| (Irwin-Hall's approximation of |N(0, scale²)|) with the same
 * integer-hash uniforms, summed in float64.
 */
export function drawMagnitudes(key: number, step: number, count: number, scale: number): Float64Array {
  const out = new Float64Array(count);
  const stepKey = pcgHash((key ^ step) >>> 0);
  for (let i = 0; i < count; i++) {
    const elementKey = pcgHash((stepKey ^ i) >>> 0);
    let sum = 0;
    for (let t = 0; t < 12; t++) sum += unit(pcgHash((elementKey ^ t) >>> 0));
    out[i] = scale * Math.abs(sum - 6);
  }
  return out;
}

/** Angle in degrees between two flattened tensors, and the ratio of their norms ‖a‖/‖b‖. */
export function angleAndRatio(a: Vec, b: Vec): { angle: number; ratio: number } {
  let dot = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return { angle: angleFromSums(dot, aa, bb), ratio: Math.sqrt(aa / bb) };
}

/** finite.wgsl's flag over tensors checked in order with codes T, T − 1, …: T − (the first tensor holding a NaN or an infinity), or 0. */
export function finiteFlag(tensors: readonly Vec[]): number {
  const first = tensors.findIndex((t) => Array.prototype.some.call(t, (v: number) => !Number.isFinite(v)));
  return first < 0 ? 0 : tensors.length - first;
}
