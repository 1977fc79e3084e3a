/**
 * The step graph of a network for one batch size n: the activation buffers and every
 * dispatch of a training step, made once and encoded as often as needed.
 *
 *   forward   a_k = h_{k−1}·W_k + b_k and h_k = f(a_k): in the product's launch (matmul's
 *             main_bias_act), or by bias_activation after a split or large product
 *   loss      e and per-row losses (softmax_cross_entropy or mse_loss)
 *   backward  from the output layer down, per layer k: first δ_{k−1} = s ⊙ f′(a_{k−1})
 *             (hidden_signal, s from the rule: src/rules), since a rule may read W_k (bp's
 *             Wᵀ, the sign-concordant rules' signs); then dW_k = h_{k−1}ᵀ·δ_k (matmul, Aᵀ read
 *             in place) and db_k = Σ_rows δ_k (column_sum; in dW's launch where that is an
 *             unsplit matmul.wgsl, matmul_direct or matmul_lanes), each stored (getGradients) and used at
 *             once to step W_k and b_k (SGD with momentum and weight decay) in the launch that
 *             made it: the update costs no launch of its own but where matmul_vec4 or
 *             matmul_pipelined makes dW (an sgd launch follows it). The batch loss Σ rowLoss in the output layer's
 *             launch (outputGradient).
 * (Network.stepDispatches adds the rule's own work: brsf's redraws before, kp's B after.)
 * Where products split (GPUs), a softmax output layer of up to 16 classes is one launch with
 * its loss (softmax_cross_entropy's `output`), in `forwardLoss` only: `forward`, for
 * inference, keeps the plain product. A training step's output launch (`step`) also makes the
 * top hidden layer's δ (`output_signal`) where the device allows nine storage buffers a stage.
 */
import { checkFits, storageBuffer } from '../gpu/buffers.js';
import { collectDispatches, destroyDispatches, type Dispatch } from '../kernels/dispatch.js';
import * as K from '../kernels/kernels.js';
import type { GpuParameters } from '../model/parameters.js';
import { RULE_TRAITS, type Activation, type Loss, type Rule } from '../model/options.js';
import { feedbackPath } from '../rules/index.js';

export interface GraphConfig {
  sizes: readonly number[];
  rule: Rule;
  activation: Activation;
  loss: Loss;
  /** which kernels do the products (NetworkOptions.kernels) */
  kernels: K.KernelFamily;
}

/** A product C [M×N] = op(A)·op(B) of the step, as the graph asks for it. */
type Product = { label: string; a: GPUBuffer; b: GPUBuffer; c: GPUBuffer; M: number; N: number; K: number; transA?: boolean };
/** A layer's db = Σ_rows δ (column_sum) and b's step. */
type BiasGradient = Parameters<typeof K.columnSum>[1] & { step: K.SgdStep };

export class StepGraph {
  /** Input batch [n×sizes[0]] and labels [n] (i32). */
  readonly x: GPUBuffer;
  readonly labels: GPUBuffer;
  /** a_k for every layer (the last is the output), [n×sizes[k+1]]. */
  readonly pre: GPUBuffer[] = [];
  /** h_k for hidden layers, [n×sizes[k+1]]. */
  readonly hidden: GPUBuffer[] = [];
  /** δ_k for every layer (the last is the output error e). */
  readonly deltas: GPUBuffer[] = [];
  readonly rowLoss: GPUBuffer;
  /** The batch's mean loss, one f32. */
  readonly loss: GPUBuffer;

  /** Every layer's product, bias and activation: the inference pass (logits in pre[L−1]). */
  readonly forward: Dispatch[] = [];
  /** The forward pass and the loss kernel (e and rowLoss), as evaluation and the alignment pass run it (`step` begins the same way, but may end it with output_signal). */
  readonly forwardLoss: Dispatch[] = [];
  /** The batch loss Σ rowLoss into `loss`, for evaluation (`step` sums it in its own launches). */
  readonly lossMean: Dispatch;
  /**
   * One training step: forwardLoss and the backward (hidden signals, gradients, the steps of W
   * and b; `loss` too), with the top hidden layer's signal in the output layer's launch where
   * that is fused and the device allows (softmax_cross_entropy's `output_signal`).
   */
  readonly step: Dispatch[] = [];
  /** Buffers besides the tensors above: split-K scratch, the alignment pass's (owned()). */
  private readonly extra: GPUBuffer[] = [];
  /** The family's kernel forms, and whether products and signals may be split over K. */
  private readonly forms: ReturnType<typeof K.familyForms>;
  private readonly split: boolean;
  private alignmentPass?: { dispatches: Dispatch[]; sums: GPUBuffer };

  constructor(private readonly device: GPUDevice, readonly n: number, private readonly cfg: GraphConfig, private readonly params: GpuParameters) {
    const { sizes, rule, activation } = cfg;
    const L = sizes.length - 1;
    this.forms = K.familyForms(cfg.kernels);
    // Split over K: the 'split-k' family, and 'auto' on a GPU.
    this.split = cfg.kernels === 'split-k' || (cfg.kernels === 'auto' && !K.isCpuAdapter(device));
    // The largest activation decides whether this batch fits; check before making anything.
    checkFits(device, `a batch of ${n} rows`, n * Math.max(...sizes));
    const made: GPUBuffer[] = [];
    const dispatches = collectDispatches();
    const buffer = (label: string, count: number) => {
      const b = storageBuffer(device, label, count);
      made.push(b);
      return b;
    };
    try {
      this.x = buffer('x', n * sizes[0]);
      this.labels = buffer('labels', n);
      for (let k = 0; k < L; k++) {
        const last = k === L - 1;
        this.pre.push(buffer(last ? 'logits' : `a${k + 1}`, n * sizes[k + 1]));
        if (!last) this.hidden.push(buffer(`h${k + 1}`, n * sizes[k + 1]));
        this.deltas.push(buffer(last ? 'e' : `δ${k + 1}`, n * sizes[k + 1]));
      }
      this.rowLoss = buffer('rowLoss', n);
      this.loss = buffer('loss', 1);

      const classes = sizes[L];
      const fuseOutput = this.split && cfg.loss === 'softmax-cross-entropy' && classes <= K.OUTPUT_LAYER_MAX_CLASSES;
      for (let k = 0; k < L; k++) {
        const layer = `Layer${k + 1}`;
        const product = { label: `${layer}.forward.matmul`, a: this.input(k), b: params.weights[k], c: this.pre[k], M: n, N: sizes[k + 1], K: sizes[k] };
        const epilogue = {
          label: `${layer}.forward.${k === L - 1 ? 'bias' : 'bias_activation'}`,
          pre: this.pre[k], bias: params.biases[k], out: k === L - 1 ? undefined : this.hidden[k],
          rows: n, cols: sizes[k + 1], activation,
        };
        const dispatches = this.product(product, epilogue);
        this.forward.push(...dispatches);
        if (k < L - 1 || !fuseOutput) this.forwardLoss.push(...dispatches);
      }

      const lossArgs = { labels: this.labels, rowLoss: this.rowLoss, rows: n, classes };
      const logits = this.pre[L - 1], e = this.deltas[L - 1];
      // The fused output layer: h·W + b, then the loss
      const output = { label: `Layer${L}.forward+Loss.softmax_cross_entropy`, logits, dLogits: e, ...lossArgs, layer: { h: this.input(L - 1), w: params.weights[L - 1], bias: params.biases[L - 1], inputs: sizes[L - 1] } };
      this.forwardLoss.push(
        cfg.loss === 'mse'
          ? K.mseLoss(device, { label: 'Loss.mse', z: logits, dOut: e, ...lossArgs })
          : fuseOutput
            ? K.softmaxCrossEntropy(device, output)
            : K.softmaxCrossEntropy(device, { label: 'Loss.softmax_cross_entropy', logits, dLogits: e, ...lossArgs }),
      );
      // A training step's output launch also makes δ of the top hidden layer where it can: the
      // same launch as forwardLoss's (which evaluation keeps) with the signal after the loss.
      const signalInOutput = fuseOutput && L > 1 && K.outputTakesSignal(device);
      if (signalInOutput) {
        const path = feedbackPath(rule, L - 1, sizes, params.weights, params.feedback, this.deltas);
        this.step.push(...this.forwardLoss.slice(0, -1), K.softmaxCrossEntropy(device, {
          ...output, label: `${output.label}+Layer${L - 1}.backward.signal`,
          signal: { f: path.matrix, delta: this.deltas[L - 2], transposed: path.transposed, signConcordant: path.signConcordant, activation },
        }));
      } else {
        this.step.push(...this.forwardLoss);
      }
      this.lossMean = K.columnSum(device, { label: 'Loss.mean', g: this.rowLoss, out: this.loss, rows: n, cols: 1, form: this.forms.sum });

      const step = (theta: GPUBuffer, velocity: GPUBuffer): K.SgdStep => ({ settings: params.settings, theta, velocity, momentum: params.momentum });
      for (let k = L - 1; k >= 0; k--) {
        const layer = `Layer${k + 1}`;
        // δ_k first: the rule may read W_{k+1}, which the launches below step.
        if (k > 0 && !(signalInOutput && k === L - 1)) this.step.push(...this.signal(k, rule, activation, this.deltas[k - 1], `Layer${k}.backward.signal`));
        const db = {
          label: `${layer}.backward.db+update`, g: this.deltas[k], out: params.gradBiases[k], rows: n, cols: sizes[k + 1], form: this.forms.sum,
          step: step(params.biases[k], params.velocityBiases[k]),
        };
        const dW = { label: `${layer}.backward.dW`, a: this.input(k), b: this.deltas[k], c: params.gradWeights[k], M: sizes[k], N: sizes[k + 1], K: n, transA: true };
        const wStep = step(params.weights[k], params.velocityWeights[k]);
        this.step.push(...(k === L - 1 ? this.outputGradient(layer, dW, wStep, db) : this.gradient(layer, dW, wStep, db)));
      }
      dispatches.end(false);
    } catch (e) {
      // A grid past the device's limits: free what was made before failing, every dispatch included.
      dispatches.end(true);
      for (const b of [...made, ...this.extra]) b.destroy();
      throw e;
    }
  }

  /**
   * C = op(A)·op(B) with the family's kernel, then the forward's bias and activation
   * (`epilogue`): in the product's launch where its kernel is an unsplit matmul.wgsl,
   * matmul_direct or matmul_lanes (main_bias_act, main_bias), else in a bias_activation launch after it. Or
   * (with 'split-k', and with 'auto' on a GPU) on a product that has few tiles and a long K,
   * split-K over a scratch buffer of its own, whose partial products a hidden layer's
   * bias_activation adds itself (one launch fewer) and column_sum adds otherwise.
   */
  private product(p: Product, epilogue?: Parameters<typeof K.biasActivation>[1]): Dispatch[] {
    const { chunks, variant } = this.kernelOf(p);
    // Each dispatch made after the one before it: a grid past the limits fails before later ones exist.
    const after = () => (epilogue ? [K.biasActivation(this.device, epilogue)] : []);
    if (chunks === 1 && epilogue && K.matmulFuses(variant)) {
      const { bias, out, activation } = epilogue;
      return [K.matmul(this.device, { ...p, label: `${p.label}+${out ? 'bias_activation' : 'bias'}`, variant, epilogue: { bias, out, activation } })];
    }
    if (chunks === 1) return [K.matmul(this.device, { ...p, variant }), ...after()];
    const scratch = this.owned(`${p.c.label}.partials`, chunks * p.M * p.N);
    if (epilogue?.out) {
      const partial = K.matmulPartials(this.device, { ...p, scratch, chunks });
      return [partial, K.biasActivation(this.device, { ...epilogue, partials: { buffer: scratch, layers: partial.workgroups[2] } })];
    }
    return [...K.matmulSplitK(this.device, { ...p, scratch, chunks, sum: this.forms.sum }), ...after()];
  }

  /**
   * A weight gradient dW (product p) and W's step (`wStep`), and with `db` a hidden layer's db
   * and b's step: one launch where the kernel is an unsplit matmul.wgsl, matmul_direct or
   * matmul_lanes (main_sums_update; main_update without db); else dW in split-K's sum, or by
   * matmul_vec4 or matmul_pipelined with W's step in an sgd launch after it, then db in a column_sum.
   */
  private gradient(layer: string, p: Product, wStep: K.SgdStep, db?: BiasGradient): Dispatch[] {
    const { chunks, variant } = this.kernelOf(p);
    const bias = () => (db ? [K.columnSum(this.device, db)] : []);
    if (chunks > 1) {
      const scratch = this.owned(`${p.c.label}.partials`, chunks * p.M * p.N);
      return [...K.matmulSplitK(this.device, { ...p, scratch, chunks, sum: this.forms.sum, step: wStep }), ...bias()];
    }
    if (!K.matmulFuses(variant)) {
      const product = K.matmul(this.device, { ...p, variant });
      return [product, K.sgd(this.device, { label: `${layer}.update.W`, grad: p.c, step: wStep, rows: p.M, cols: p.N }), ...bias()];
    }
    if (db) return [K.matmul(this.device, { ...p, label: `${p.label}+db+update`, variant, step: wStep, sums: { out: db.out, step: db.step } })];
    return [K.matmul(this.device, { ...p, label: `${p.label}+update`, variant, step: wStep }), ...bias()];
  }

  /**
   * The output layer's dW and db, their steps, and the batch loss Σ rowLoss into `loss`: one
   * launch where dW's kernel is an unsplit matmul.wgsl, matmul_direct or matmul_lanes on a device with ten
   * storage buffers a stage (main_sums_loss_update); else dW as gradient() makes it, then db
   * with the loss in one column_sum.
   */
  private outputGradient(layer: string, p: Product, wStep: K.SgdStep, db: BiasGradient): Dispatch[] {
    const { chunks, variant } = this.kernelOf(p);
    const loss = { rowLoss: this.rowLoss, out: this.loss };
    if (chunks === 1 && K.matmulFuses(variant) && K.matmulTakesLoss(this.device)) {
      return [K.matmul(this.device, { ...p, label: `${p.label}+db+update+Loss.mean`, variant, step: wStep, sums: { out: db.out, step: db.step }, loss })];
    }
    return [...this.gradient(layer, p, wStep), K.columnSum(this.device, { ...db, label: `${db.label}+Loss.mean`, loss })];
  }

  /** A product's split (1: none) and kernel in this graph. */
  private kernelOf(p: Product): { chunks: number; variant: K.MatmulVariant } {
    const variant = this.forms.large ? K.largeProductVariant(p) : K.matmulKernelFor(this.device, p.M, p.N, this.forms.variant);
    return { chunks: this.split ? K.splitKChunks(p.M, p.N, p.K) : 1, variant };
  }

  /** h_{k} as the input of weights[k] (x for k = 0). */
  private input(k: number): GPUBuffer {
    return k === 0 ? this.x : this.hidden[k - 1];
  }

  /** A buffer the graph owns beyond its tensors (destroyed with it). */
  private owned(label: string, count: number): GPUBuffer {
    const b = storageBuffer(this.device, label, count);
    this.extra.push(b);
    return b;
  }

  /**
   * hidden_signal for hidden layer h into `out`; activation 'linear' gives the unmasked s_h.
   * Split over the classes as the products are (a scratch buffer of its own) where they are.
   */
  private signal(h: number, rule: Rule, activation: Activation, out: GPUBuffer, label: string, deltas = this.deltas): Dispatch[] {
    const { sizes } = this.cfg;
    const path = feedbackPath(rule, h, sizes, this.params.weights, this.params.feedback, deltas);
    const p = {
      label, e: path.source, f: path.matrix, pre: this.pre[h - 1], delta: out, w: path.weightsAbove,
      rows: this.n, hidden: sizes[h], classes: path.sourceWidth, transposed: path.transposed, signConcordant: path.signConcordant, activation,
    };
    const chunks = this.split ? K.splitKChunks(p.rows, p.hidden, p.classes) : 1;
    if (chunks === 1) return [K.hiddenSignal(this.device, { ...p, form: this.forms.signal })];
    const scratch = this.owned(`${out.label}.partials`, chunks * p.rows * p.hidden);
    return K.hiddenSignalSplitK(this.device, { ...p, scratch, chunks });
  }

  /**
   * The alignment pass, built on first use: forward and loss on the batch, the rule's unmasked
   * signals s_h, backprop's chain δ^BP and signals s^BP_h, then per hidden layer h the sums
   * (Σ s·s^BP, Σ s², Σ s^BP²) in slot 2(h−1) and, where the shapes agree, (Σ F·W_{h+1}ᵀ, Σ F²,
   * Σ W²) in slot 2(h−1)+1, F the feedback as used. Nothing is updated.
   */
  alignment(): { dispatches: Dispatch[]; sums: GPUBuffer } {
    if (this.alignmentPass) return this.alignmentPass;
    // A pass that fails part way frees its dispatches (its buffers go with the graph).
    const made = collectDispatches();
    try {
      this.alignmentPass = this.buildAlignment();
      made.end(false);
      return this.alignmentPass;
    } catch (e) {
      made.end(true);
      throw e;
    }
  }

  private buildAlignment(): { dispatches: Dispatch[]; sums: GPUBuffer } {
    const { sizes, rule, activation } = this.cfg;
    const L = sizes.length - 1;
    const d = this.device;
    const sums = this.owned('alignment.sums', 6 * (L - 1));
    const dispatches = [...this.forwardLoss];
    const bpDeltas = [...this.deltas];
    for (let h = L - 1; h >= 1; h--) {
      const s = this.owned(`s${h}`, this.n * sizes[h]);
      const sBp = this.owned(`s${h}.bp`, this.n * sizes[h]);
      bpDeltas[h - 1] = this.owned(`δ${h}.bp`, this.n * sizes[h]);
      dispatches.push(
        ...this.signal(h, rule, 'linear', s, `Layer${h}.alignment.signal`),
        ...this.signal(h, 'bp', 'linear', sBp, `Layer${h}.alignment.signal.bp`, bpDeltas),
        ...this.signal(h, 'bp', activation, bpDeltas[h - 1], `Layer${h}.alignment.delta.bp`, bpDeltas),
      );
      // The rule's own δ_h, which s_{h−1} needs, as the step computes it.
      if (h > 1) dispatches.push(...this.signal(h, rule, activation, this.deltas[h - 1], `Layer${h}.alignment.delta`));
      dispatches.push(K.dotNorms(d, { label: `Layer${h}.alignment.signal_angle`, a: s, b: sBp, out: sums, rows: this.n, cols: sizes[h], bTransposed: false, slot: 2 * (h - 1) }));
      const traits = RULE_TRAITS[rule];
      const shapesAgree = traits.feedback === 'layer' || (traits.feedback === 'direct' && h === L - 1);
      if (shapesAgree) {
        const [rows, cols] = [sizes[h + 1], sizes[h]];
        let f = this.params.feedback[h - 1];
        if (traits.signConcordant) {
          const eff = this.owned(`F${h + 1}`, rows * cols);
          dispatches.push(K.effectiveFeedback(d, { label: `Layer${h}.alignment.feedback`, m: f, w: this.params.weights[h], out: eff, rows, cols }));
          f = eff;
        }
        dispatches.push(K.dotNorms(d, { label: `Layer${h}.alignment.feedback_angle`, a: f, b: this.params.weights[h], out: sums, rows, cols, bTransposed: true, slot: 2 * (h - 1) + 1 }));
      }
    }
    return { dispatches, sums };
  }

  /** Each dispatch of the graph once (the lists share some). */
  private destroyDispatches(): void {
    const lists = [this.forward, this.forwardLoss, this.lossMean ? [this.lossMean] : [], this.step, this.alignmentPass?.dispatches ?? []];
    destroyDispatches([...new Set(lists.flat())]);
  }

  destroy(): void {
    this.destroyDispatches();
    for (const b of [this.x, this.labels, ...this.pre, ...this.hidden, ...this.deltas, this.rowLoss, this.loss, ...this.extra]) b.destroy();
  }
}
