/**
 * The step graph of a network for one batch size n: the activation buffers and every
 * dispatch of a training step, made once and encoded as often as needed.
 *
 *   forward   a_k = h_{k−1}·W_k (matmul), then + b_k and h_k = f(a_k) (bias_activation)
 *   loss      d_logits and per-row losses (softmax_cross_entropy), batch mean (column_sum)
 *   backward  dW_k = h_{k−1}ᵀ·δ_k (matmul, Aᵀ read in place), db_k = Σ_rows δ_k (column_sum),
 *             δ_{k−1} = (δ_k·F) ⊙ f′(a_{k−1}) (hidden_signal, F from the rule)
 *   update    θ ← θ − lr·dθ (sgd), after every gradient of the step exists
 */
import { storageBuffer } from '../gpu/buffers.js';
import { destroyDispatches, encodeDispatches, type Dispatch } from '../kernels/dispatch.js';
import * as K from '../kernels/kernels.js';
import type { GpuParameters } from '../model/parameters.js';
import type { Activation, Rule } from '../model/options.js';
import { feedbackPath } from '../rules/index.js';

export interface GraphConfig {
  sizes: readonly number[];
  rule: Rule;
  activation: Activation;
}

export class StepGraph {
  /** Input batch [n×sizes[0]] and labels [n] (i32). */
  readonly x: GPUBuffer;
  readonly labels: GPUBuffer;
  /** a_k for every layer (the last is the logits), [n×sizes[k+1]]. */
  readonly pre: GPUBuffer[] = [];
  /** h_k for hidden layers, [n×sizes[k+1]]. */
  readonly hidden: GPUBuffer[] = [];
  /** δ_k for every layer (the last is d_logits). */
  readonly deltas: GPUBuffer[] = [];
  readonly rowLoss: GPUBuffer;
  /** The batch's mean cross-entropy, one f32. */
  readonly loss: GPUBuffer;

  readonly forward: Dispatch[] = [];
  readonly lossPass: Dispatch[] = [];
  readonly backward: Dispatch[] = [];

  constructor(device: GPUDevice, readonly n: number, cfg: GraphConfig, params: GpuParameters) {
    const { sizes, rule, activation } = cfg;
    const L = sizes.length - 1;
    this.x = storageBuffer(device, 'x', n * sizes[0]);
    this.labels = storageBuffer(device, 'labels', n);
    for (let k = 0; k < L; k++) {
      const last = k === L - 1;
      this.pre.push(storageBuffer(device, last ? 'logits' : `a${k + 1}`, n * sizes[k + 1]));
      if (!last) this.hidden.push(storageBuffer(device, `h${k + 1}`, n * sizes[k + 1]));
      this.deltas.push(storageBuffer(device, last ? 'dLogits' : `δ${k + 1}`, n * sizes[k + 1]));
    }
    this.rowLoss = storageBuffer(device, 'rowLoss', n);
    this.loss = storageBuffer(device, 'loss', 1);
    const input = (k: number) => (k === 0 ? this.x : this.hidden[k - 1]);

    for (let k = 0; k < L; k++) {
      const layer = `Layer${k + 1}`;
      this.forward.push(
        K.matmul(device, { label: `${layer}.forward.matmul`, a: input(k), b: params.weights[k], c: this.pre[k], M: n, N: sizes[k + 1], K: sizes[k] }),
        K.biasActivation(device, {
          label: `${layer}.forward.${k === L - 1 ? 'bias' : 'bias_activation'}`,
          pre: this.pre[k], bias: params.biases[k], out: k === L - 1 ? undefined : this.hidden[k],
          rows: n, cols: sizes[k + 1], activation,
        }),
      );
    }

    this.lossPass.push(
      K.softmaxCrossEntropy(device, { label: 'Loss.softmax_cross_entropy', logits: this.pre[L - 1], labels: this.labels, dLogits: this.deltas[L - 1], rowLoss: this.rowLoss, rows: n, classes: sizes[L] }),
      K.columnSum(device, { label: 'Loss.mean', g: this.rowLoss, out: this.loss, rows: n, cols: 1 }),
    );

    for (let k = L - 1; k >= 0; k--) {
      const layer = `Layer${k + 1}`;
      this.backward.push(
        K.matmul(device, { label: `${layer}.backward.dW`, a: input(k), b: this.deltas[k], c: params.gradWeights[k], M: sizes[k], N: sizes[k + 1], K: n, transA: true }),
        K.columnSum(device, { label: `${layer}.backward.db`, g: this.deltas[k], out: params.gradBiases[k], rows: n, cols: sizes[k + 1] }),
      );
      if (k > 0) {
        const path = feedbackPath(rule, k - 1, params.weights, params.feedback);
        this.backward.push(K.hiddenSignal(device, {
          label: `Layer${k}.backward.signal`,
          e: this.deltas[k], f: path.matrix, pre: this.pre[k - 1], delta: this.deltas[k - 1],
          rows: n, hidden: sizes[k], classes: sizes[k + 1], transposed: path.transposed, activation,
        }));
      }
    }
  }

  /** Forward, loss and backward of one step, into an open pass (the update is the network's). */
  encodeStep(pass: GPUComputePassEncoder): void {
    encodeDispatches(pass, this.forward);
    encodeDispatches(pass, this.lossPass);
    encodeDispatches(pass, this.backward);
  }

  destroy(): void {
    destroyDispatches([...this.forward, ...this.lossPass, ...this.backward]);
    for (const b of [this.x, this.labels, ...this.pre, ...this.hidden, ...this.deltas, this.rowLoss, this.loss]) b.destroy();
  }
}
