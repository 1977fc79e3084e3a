/**
 * Float64 CPU versions of every kernel in shaders/, written to be read. Each function
 * mirrors one WGSL kernel's contract (same shapes, same row-major layouts), so a GPU
 * result can be compared against it element by element.
 */
import { LEAKY_SLOPE, type Activation } from '../model/options.js';

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

/** θ − lr·g, as a new array. */
export function sgd(theta: Vec, grad: Vec, lr: number): Float64Array {
  const out = new Float64Array(theta.length);
  for (let i = 0; i < theta.length; i++) out[i] = theta[i] - lr * grad[i];
  return out;
}
