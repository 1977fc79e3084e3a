/**
 * One small typed wrapper per shader: it declares the shader's uniform struct (mirroring the
 * WGSL `struct` field for field), binds the buffers in binding order and picks the grid.
 * Shapes and layouts are in each shader's header comment.
 */
import { UniformLayout } from '../gpu/uniforms.js';
import type { Activation } from '../model/options.js';
import { checkGrid, createDispatch, divUp, grid1d, type Dispatch } from './dispatch.js';

/** The `ACTIVATION` override of bias_activation.wgsl and hidden_signal.wgsl. */
export const ACTIVATION_CODE: Record<Activation, number> = {
  linear: 0,
  relu: 1,
  'leaky-relu': 2,
  tanh: 3,
  sigmoid: 4,
};

/** "W1 [2×8]" */
function shape(buffer: GPUBuffer, rows: number, cols?: number, suffix = ''): string {
  return `${buffer.label}${suffix} [${cols === undefined ? rows : `${rows}×${cols}`}]`;
}

// matmul.wgsl
const MatmulSizes = new UniformLayout([['M', 'u32'], ['N', 'u32'], ['K', 'u32']] as const);
/** Rows and columns of C per workgroup in matmul.wgsl (TILE). */
export const MATMUL_TILE = 32;

/** C [M×N] = op(A)·op(B); transposed operands are read in place. */
export function matmul(device: GPUDevice, p: {
  label: string;
  /** [M×K], or [K×M] with transA */
  a: GPUBuffer;
  /** [K×N], or [N×K] with transB */
  b: GPUBuffer;
  /** [M×N], overwritten */
  c: GPUBuffer;
  M: number; N: number; K: number;
  transA?: boolean; transB?: boolean;
}): Dispatch {
  const transA = p.transA ?? false, transB = p.transB ?? false;
  return createDispatch(device, {
    label: p.label,
    shader: 'matmul',
    constants: { TRANS_A: Number(transA), TRANS_B: Number(transB) },
    uniform: MatmulSizes,
    sizes: { M: p.M, N: p.N, K: p.K },
    storage: [
      [p.a, transA ? shape(p.a, p.K, p.M, 'ᵀ') : shape(p.a, p.M, p.K)],
      [p.b, transB ? shape(p.b, p.N, p.K, 'ᵀ') : shape(p.b, p.K, p.N)],
      [p.c, shape(p.c, p.M, p.N)],
    ],
    workgroups: checkGrid(device, p.label, [divUp(p.N, MATMUL_TILE), divUp(p.M, MATMUL_TILE), 1]),
  });
}

// bias_activation.wgsl
const RowsCols = new UniformLayout([['rows', 'u32'], ['cols', 'u32']] as const);

/**
 * pre += bias (broadcast over rows); with `out`, also out = f(pre) (a hidden layer);
 * without it, only the bias (the logits).
 */
export function biasActivation(device: GPUDevice, p: {
  label: string;
  /** [rows×cols], updated in place */
  pre: GPUBuffer;
  /** [cols] */
  bias: GPUBuffer;
  /** [rows×cols]; omitted for the output layer */
  out?: GPUBuffer;
  rows: number; cols: number;
  activation: Activation;
}): Dispatch {
  const storage: [GPUBuffer, string][] = [[p.pre, shape(p.pre, p.rows, p.cols)], [p.bias, shape(p.bias, p.cols)]];
  if (p.out) storage.push([p.out, shape(p.out, p.rows, p.cols)]);
  return createDispatch(device, {
    label: p.label,
    shader: 'bias_activation',
    entryPoint: p.out ? 'main' : 'add_bias',
    constants: p.out ? { ACTIVATION: ACTIVATION_CODE[p.activation] } : {},
    uniform: RowsCols,
    sizes: { rows: p.rows, cols: p.cols },
    storage,
    workgroups: grid1d(device, p.label, p.rows * p.cols, 256),
  });
}

// softmax_cross_entropy.wgsl
const SoftmaxSizes = new UniformLayout([['rows', 'u32'], ['classes', 'u32']] as const);

/** rowLoss = −log softmax(logits)[y] / rows and dLogits = (softmax − onehot) / rows. */
export function softmaxCrossEntropy(device: GPUDevice, p: {
  label: string;
  /** [rows×classes] */
  logits: GPUBuffer;
  /** [rows] i32 */
  labels: GPUBuffer;
  /** [rows×classes] */
  dLogits: GPUBuffer;
  /** [rows] */
  rowLoss: GPUBuffer;
  rows: number; classes: number;
}): Dispatch {
  return createDispatch(device, {
    label: p.label,
    shader: 'softmax_cross_entropy',
    uniform: SoftmaxSizes,
    sizes: { rows: p.rows, classes: p.classes },
    storage: [
      [p.logits, shape(p.logits, p.rows, p.classes)],
      [p.labels, shape(p.labels, p.rows)],
      [p.dLogits, shape(p.dLogits, p.rows, p.classes)],
      [p.rowLoss, shape(p.rowLoss, p.rows)],
    ],
    workgroups: checkGrid(device, p.label, [divUp(p.rows, 64), 1, 1]),
  });
}

// hidden_signal.wgsl
const SignalSizes = new UniformLayout([['rows', 'u32'], ['hidden', 'u32'], ['classes', 'u32']] as const);

/**
 * δ = (e·F) ⊙ f′(pre). F is fixed random B [classes×hidden] (FA), or with `transposed` the
 * forward W [hidden×classes] used as Wᵀ (BP).
 */
export function hiddenSignal(device: GPUDevice, p: {
  label: string;
  /** [rows×classes], the error of the layer above */
  e: GPUBuffer;
  /** B [classes×hidden], or W [hidden×classes] with transposed */
  f: GPUBuffer;
  /** [rows×hidden] */
  pre: GPUBuffer;
  /** [rows×hidden] */
  delta: GPUBuffer;
  rows: number; hidden: number; classes: number;
  transposed: boolean;
  activation: Activation;
}): Dispatch {
  return createDispatch(device, {
    label: p.label,
    shader: 'hidden_signal',
    constants: { TRANSPOSED: Number(p.transposed), ACTIVATION: ACTIVATION_CODE[p.activation] },
    uniform: SignalSizes,
    sizes: { rows: p.rows, hidden: p.hidden, classes: p.classes },
    storage: [
      [p.e, shape(p.e, p.rows, p.classes)],
      [p.f, p.transposed ? shape(p.f, p.hidden, p.classes, ' (read as ᵀ)') : shape(p.f, p.classes, p.hidden)],
      [p.pre, shape(p.pre, p.rows, p.hidden)],
      [p.delta, shape(p.delta, p.rows, p.hidden)],
    ],
    workgroups: checkGrid(device, p.label, [divUp(p.hidden, 16), divUp(p.rows, 16), 1]),
  });
}

// column_sum.wgsl

/** out[j] = Σ_i g[i, j]: bias gradients, and the batch loss from per-row losses. */
export function columnSum(device: GPUDevice, p: {
  label: string;
  /** [rows×cols] */
  g: GPUBuffer;
  /** [cols] */
  out: GPUBuffer;
  rows: number; cols: number;
}): Dispatch {
  return createDispatch(device, {
    label: p.label,
    shader: 'column_sum',
    uniform: RowsCols,
    sizes: { rows: p.rows, cols: p.cols },
    storage: [[p.g, shape(p.g, p.rows, p.cols)], [p.out, shape(p.out, p.cols)]],
    workgroups: checkGrid(device, p.label, [divUp(p.cols, 64), 1, 1]),
  });
}

// sgd.wgsl
const SgdParams = new UniformLayout([['count', 'u32'], ['lr', 'f32']] as const);

/** θ ← θ − lr·g in place. The learning rate lives in the dispatch's uniform (see setSgdRate). */
export function sgd(device: GPUDevice, p: {
  label: string;
  theta: GPUBuffer;
  grad: GPUBuffer;
  count: number;
  learningRate: number;
}): Dispatch {
  return createDispatch(device, {
    label: p.label,
    shader: 'sgd',
    uniform: SgdParams,
    sizes: { count: p.count, lr: p.learningRate },
    storage: [[p.theta, shape(p.theta, p.count)], [p.grad, shape(p.grad, p.count)]],
    workgroups: grid1d(device, p.label, p.count, 256),
  });
}

/** Rewrites the learning rate of an sgd dispatch. */
export function setSgdRate(device: GPUDevice, d: Dispatch, count: number, learningRate: number): void {
  device.queue.writeBuffer(d.uniform, 0, SgdParams.pack({ count, lr: learningRate }));
}
