/**
 * One small typed wrapper per shader: it declares the shader's uniform struct (mirroring the
 * WGSL `struct` field for field), binds the buffers in binding order and picks the grid.
 * Shapes and layouts are in each shader's header comment.
 */
import { UniformLayout } from '../gpu/uniforms.js';
import type { Activation } from '../model/options.js';
import { subgroupSizes } from '../gpu/device.js';
import { checkGrid, createDispatch, divUp, grid1d, type Dispatch, type DispatchSpec } from './dispatch.js';
import type { ShaderName } from './shaders.js';

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

// matmul.wgsl (with kChunk for split-K), matmul_pipelined.wgsl, matmul_vec4.wgsl, matmul_direct.wgsl, matmul_lanes.wgsl
const MatmulSizes = new UniformLayout([['M', 'u32'], ['N', 'u32'], ['K', 'u32']] as const);
const MatmulSplitSizes = new UniformLayout([['M', 'u32'], ['N', 'u32'], ['K', 'u32'], ['kChunk', 'u32']] as const);
/** K per staging step of matmul.wgsl and hidden_signal.wgsl (SLAB): split-K chunks are multiples of it. */
const MATMUL_SLAB = 16;
/** Rows and columns of C per workgroup: matmul.wgsl (TILE), matmul_pipelined.wgsl and matmul_direct.wgsl. */
export const MATMUL_TILE = 32;
export const MATMUL_PIPELINED_TILE = 128;
export const MATMUL_DIRECT_TILE = 64;
/** matmul_lanes.wgsl's workgroup (one subgroup of 4 lanes) makes 16 rows × 32 columns of C. */
const MATMUL_LANES_ROWS = 16;
const MATMUL_LANES_COLS = 32;
/** The shader of each variant and its tile of C (rows and columns per workgroup). */
const MATMUL_KERNELS: Record<MatmulVariant, { shader: ShaderName; rows: number; cols: number }> = {
  matmul: { shader: 'matmul', rows: MATMUL_TILE, cols: MATMUL_TILE },
  matmul_pipelined: { shader: 'matmul_pipelined', rows: MATMUL_PIPELINED_TILE, cols: MATMUL_PIPELINED_TILE },
  matmul_direct: { shader: 'matmul_direct', rows: MATMUL_DIRECT_TILE, cols: MATMUL_DIRECT_TILE },
  matmul_vec4: { shader: 'matmul_vec4', rows: MATMUL_PIPELINED_TILE, cols: MATMUL_PIPELINED_TILE },
  matmul_lanes: { shader: 'matmul_lanes', rows: MATMUL_LANES_ROWS, cols: MATMUL_LANES_COLS },
};

/**
 * The matmul kernels, all with one contract (C = op(A)·op(B)) and all held to the same
 * reference tests; `fa-webgpu bench` and `npm run bench` time every one of them per shape.
 * matmul_vec4 takes only op(A)·B with N a multiple of 4 (matmulVariantFits); matmul_lanes
 * only a device whose subgroups are 4 lanes wide (takesLanes).
 */
export const MATMUL_VARIANTS = ['matmul', 'matmul_pipelined', 'matmul_direct', 'matmul_vec4', 'matmul_lanes'] as const;
export type MatmulVariant = (typeof MATMUL_VARIANTS)[number];

/** Whether a kernel takes a product: every one does, but matmul_vec4 only op(A)·B with N a multiple of 4 (B and C as vec4s). */
export function matmulVariantFits(variant: MatmulVariant, p: { N: number; transB?: boolean }): boolean {
  return variant !== 'matmul_vec4' || (!p.transB && p.N % 4 === 0);
}

/** Products with at least this many 128×128 tiles of C take the large-product kernels on a GPU (largeProductVariant). */
const PIPELINED_MIN_TILES = 128;

/**
 * The kernel for a shape on an adapter (BENCHMARKS.md has the sweeps):
 * - CPU adapters whose subgroups are 4 lanes wide (`lanes`: takesLanes): matmul_lanes at every
 *   shape. SwiftShader under Chromium (`npm run bench`): 256×1024×1024 in 73.0 ms against
 *   matmul_direct's 104.0, 1.4–2.7× faster on every product of the benchmark's networks.
 * - Other CPU adapters: matmul_direct (no workgroup memory, no barrier) at every shape.
 *   SwiftShader under Chromium: 256³ in 6.8 ms against 12.5 and 21.7 for tiled kernels.
 * - GPUs, products of at least 128 tiles of 128×128 (1024×2048 and up): matmul_vec4 where it
 *   takes the product (largeProductVariant: B as stored, N a multiple of 4), else
 *   matmul_pipelined. H100, 4096³ (session 12): matmul_vec4 42.3 TFLOP/s under Dawn and 36.2
 *   under wgpu, matmul_pipelined 30.6 and 29.1, matmul 17.6 and 15.3.
 * - GPUs, smaller products: matmul (32×32 tiles, so that a batch of 128 still makes enough
 *   workgroups); at 1024³ the two tie (11.2–11.4 TFLOP/s under Dawn), and on the networks'
 *   products (all below 128 tiles) matmul was within 5% of matmul_pipelined or faster, up to
 *   1.7×. Split-K on top of it is chosen by the step graph (splitKChunks).
 */
export function matmulVariant(M: number, N: number, cpuAdapter = false, lanes = false, transB = false): MatmulVariant {
  if (cpuAdapter) return lanes ? 'matmul_lanes' : 'matmul_direct';
  if (divUp(M, MATMUL_PIPELINED_TILE) * divUp(N, MATMUL_PIPELINED_TILE) < PIPELINED_MIN_TILES) return 'matmul';
  return largeProductVariant({ N, transB });
}

/** The GPU kernel for large products: matmul_vec4 where it takes the product (op(A)·B, N a multiple of 4), else matmul_pipelined. */
export function largeProductVariant(p: { N: number; transB?: boolean }): MatmulVariant {
  return matmulVariantFits('matmul_vec4', p) ? 'matmul_vec4' : 'matmul_pipelined';
}

/** The kernel a product of C [M×N] (with B read transposed if transB) gets on this device: `variant` if given, else matmulVariant's pick. */
export function matmulKernelFor(device: GPUDevice, M: number, N: number, variant?: MatmulVariant, transB = false): MatmulVariant {
  return variant ?? matmulVariant(M, N, isCpuAdapter(device), lanesFit(device, M, N), transB);
}

/** Whether C [M×N] may take matmul_lanes on this device: it takes the kernel and the product's grid fits. */
function lanesFit(device: GPUDevice, M: number, N: number): boolean {
  return takesLanes(device) && lanesGridFits(device, M, N);
}

/**
 * Whether matmul_lanes's grid for C [M×N] (16×32 a workgroup, a row and a column more for the
 * sums and the loss) stays within the device's workgroups a dimension: a product past it (a
 * fan-in of a million, where dW's M is the fan-in) takes matmul_direct's 64×64 tiles instead.
 */
function lanesGridFits(device: GPUDevice, M: number, N: number): boolean {
  const max = device.limits.maxComputeWorkgroupsPerDimension;
  return divUp(M, MATMUL_LANES_ROWS) + 1 <= max && divUp(N + 1, MATMUL_LANES_COLS) <= max;
}

/**
 * Whether the device runs matmul_lanes.wgsl: it has the 'subgroups' feature (acquireDevice asks
 * for it) and its adapter's subgroups are exactly 4 lanes wide, so that the kernel's workgroup of
 * 4 invocations is one whole subgroup (SwiftShader's, one SSE vector of lanes).
 */
export function takesLanes(device: GPUDevice): boolean {
  return lanesRefusal(device) === undefined;
}

/** Why a device does not take matmul_lanes ("was made without 'subgroups' …"), for errors; undefined where it does. */
export function lanesRefusal(device: GPUDevice): string | undefined {
  if (!device.features.has('subgroups')) return "was made without 'subgroups' (acquireDevice asks for the feature where the adapter has it)";
  const { min, max } = subgroupSizes(device);
  return min === 4 && max === 4 ? undefined : `has subgroups ${min ?? '?'}–${max ?? '?'} lanes wide, not exactly 4`;
}

/**
 * The kernel families of the products. 'auto': on CPU adapters lanes where the device takes it
 * (takesLanes), else direct; on GPUs each product by
 * shape (matmulVariant; split-K where splitKChunks splits; columnSum's form by width) and a
 * softmax output layer of up to 16 classes fused with its loss. 'tiled': matmul.wgsl for every
 * product, unsplit, column sums in lanes. 'direct': matmul_direct for every product, serial
 * column sums. 'lanes': matmul_lanes for every product and hidden signal (the sign-concordant
 * rules' signals: hidden_signal's direct form), serial column sums; only on a device whose
 * subgroups are 4 lanes wide. 'split-k': as tiled, split where splitKChunks says, with the fused output layer
 * (what 'auto' does on GPUs below the large-product kernels' sizes; on CPU adapters the way to run
 * the GPU step). 'pipelined': as tiled with the large-product kernels for every product
 * (largeProductVariant: matmul_vec4 where it takes the product, else matmul_pipelined; what
 * 'auto' gives a GPU's large products), whose weight gradients take their step in an sgd
 * launch of their own.
 */
export const KERNEL_FAMILIES = ['auto', 'tiled', 'direct', 'lanes', 'split-k', 'pipelined'] as const;
export type KernelFamily = (typeof KERNEL_FAMILIES)[number];

/** One line on each family, for a page or a help text (the comment above has the detail). */
export const KERNEL_FAMILY_DESCRIPTIONS: Record<KernelFamily, string> = {
  auto: 'chosen by adapter and shape: lanes on CPU adapters whose subgroups are 4 lanes wide, direct on other CPU adapters; on GPUs each product by its size, split-K where few tiles meet a long K, and the output layer fused with its loss and the top hidden signal',
  tiled: 'matmul.wgsl for every product: 32×32 tiles staged in workgroup memory, 4×4 outputs a thread',
  direct: 'matmul_direct.wgsl for every product: 8×8 outputs a thread read straight from storage, no workgroup memory, no barrier (CPU adapters without subgroups of 4)',
  lanes: 'matmul_lanes.wgsl for every product and hidden signal: 16×8 outputs a thread read from storage, each lane loading 4 rows of A for the subgroup\'s 4 (fastest on CPU adapters; needs subgroups 4 lanes wide)',
  'split-k': 'as tiled, with products of few tiles and a long K split into partial products summed after, and the fused output layer: what auto runs on a GPU below the large-product kernels\' sizes',
  pipelined: 'the large-product kernels for every product: matmul_vec4.wgsl where B is read as stored and N is a multiple of 4, else matmul_pipelined.wgsl; 128×128 tiles, 8×8 outputs a thread, the next slab read during the arithmetic (what auto gives a GPU\'s largest products)',
};

/**
 * The kernels of a family: the matmul variant (or `large`: largeProductVariant's per product)
 * and the forms of hidden_signal and column_sum; undefined (all of 'auto') lets each kernel
 * choose by adapter and shape.
 */
export function familyForms(family: KernelFamily): { variant?: MatmulVariant; large?: true; signal?: SignalForm; sum?: 'serial' | 'lanes' } {
  if (family === 'auto') return {};
  if (family === 'direct') return { variant: 'matmul_direct', signal: 'direct', sum: 'serial' };
  if (family === 'lanes') return { variant: 'matmul_lanes', signal: 'lanes', sum: 'serial' };
  if (family === 'pipelined') return { large: true, signal: 'tiled', sum: 'lanes' };
  return { variant: 'matmul', signal: 'tiled', sum: 'lanes' };
}

/** Whether the device runs on a CPU (SwiftShader, lavapipe, WARP): the adapter says it is a fallback, or names one. */
export function isCpuAdapter(device: GPUDevice): boolean {
  const info = (device as GPUDevice & { adapterInfo?: GPUAdapterInfo & { isFallbackAdapter?: boolean } }).adapterInfo;
  if (!info) return false;
  return info.isFallbackAdapter === true || /swiftshader|llvmpipe|lavapipe|warp/i.test(`${info.vendor} ${info.architecture} ${info.device} ${info.description}`);
}

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
  /** Default: chosen by shape (matmulVariant). */
  variant?: MatmulVariant;
  /**
   * The forward's epilogue in the same launch (matmulFuses variants, unsplit): C = op(A)·op(B) +
   * bias, and with `out` (a hidden layer) out = f(C) (`main_bias_act`; without: `main_bias`)
   */
  epilogue?: Epilogue;
  /** C is θ's gradient [M×N]: also step θ with it in the same launch (`main_update`; matmulFuses variants only) */
  step?: SgdStep;
  /**
   * [N]: also sums[j] = Σ_k op(B)[k, j], θ2's gradient, and θ2's step, in the same launch
   * (main_sums_update, matmulFuses variants: a layer's db and b beside dW and W); needs `step`
   */
  sums?: { out: GPUBuffer; step: SgdStep };
  /**
   * Also loss[0] = Σ rowLoss [K] beside the sums (main_sums_loss_update: the output layer's
   * whole backward and the batch loss); needs sums and a device that allows ten storage
   * buffers a stage (matmulTakesLoss)
   */
  loss?: { rowLoss: GPUBuffer; out: GPUBuffer };
}): Dispatch {
  const variant = matmulKernelFor(device, p.M, p.N, p.variant, p.transB);
  if (p.loss && !(p.sums && matmulTakesLoss(device))) throw new Error(`${p.label}: the batch loss is summed beside the product's column sums only, on a device that allows ${LOSS_STORAGE_BUFFERS} storage buffers a stage (this one: ${device.limits.maxStorageBuffersPerShaderStage})`);
  if (variant === 'matmul_lanes' && !takesLanes(device)) throw new Error(`${p.label}: matmul_lanes runs only on a device whose subgroups are 4 lanes wide, and this one ${lanesRefusal(device)}`);
  if (!matmulVariantFits(variant, p)) throw new Error(`${p.label}: matmul_vec4 takes op(A)·B with N a multiple of 4, got ${p.transA ? 'Aᵀ' : 'A'}·${p.transB ? 'Bᵀ' : 'B'} with N = ${p.N}`);
  if ((p.step || p.epilogue) && !matmulFuses(variant)) throw new Error(`${p.label}: ${variant} has no fused epilogue or step (matmul, matmul_direct and matmul_lanes have)`);
  if (p.step && p.epilogue) throw new Error(`${p.label}: a product takes the forward's epilogue or a step, not both`);
  if (p.sums && !p.step) throw new Error(`${p.label}: column sums beside the product are made only with the product's step`);
  return matmulDispatch(device, p, variant, 1);
}

/** Storage buffers of main_sums_loss_update (matmul.wgsl, matmul_direct.wgsl, matmul_lanes.wgsl): six of its own, θ, θ2 and their velocities. */
const LOSS_STORAGE_BUFFERS = 10;

/** Whether the device takes main_sums_loss_update (acquireDevice asks for the adapter's storage-buffer limit; WebGPU's default is 8). */
export function matmulTakesLoss(device: GPUDevice): boolean {
  return device.limits.maxStorageBuffersPerShaderStage >= LOSS_STORAGE_BUFFERS;
}

/**
 * Whether a matmul kernel has the fused entry points: the forward's bias and activation
 * (`main_bias`, `main_bias_act`) and the gradient's SGD step (`main_update`; with the bias's
 * gradient and step, `main_sums_update`; and the batch loss, `main_sums_loss_update`), each in
 * the product's launch.
 */
export function matmulFuses(variant: MatmulVariant): boolean {
  return variant === 'matmul' || variant === 'matmul_direct' || variant === 'matmul_lanes';
}

/** The forward's epilogue in a product's launch: C += bias, and for a hidden layer out = f(C). */
export interface Epilogue {
  /** [N] */
  bias: GPUBuffer;
  /** [M×N]; omitted for the output layer */
  out?: GPUBuffer;
  activation: Activation;
}

function matmulDispatch(device: GPUDevice, p: {
  label: string; a: GPUBuffer; b: GPUBuffer; c: GPUBuffer; M: number; N: number; K: number; transA?: boolean; transB?: boolean;
  epilogue?: Epilogue; step?: SgdStep; sums?: { out: GPUBuffer; step: SgdStep }; loss?: { rowLoss: GPUBuffer; out: GPUBuffer };
}, variant: MatmulVariant, kChunks: number): Dispatch {
  const transA = p.transA ?? false, transB = p.transB ?? false;
  const { shader, rows, cols } = MATMUL_KERNELS[variant];
  const kChunk = kChunks === 1 ? p.K : splitChunk(p.K, kChunks);
  const layers = splitLayers(p.K, kChunks);
  const storage: ([GPUBuffer, string] | null)[] = [
    [p.a, transA ? shape(p.a, p.K, p.M, 'ᵀ') : shape(p.a, p.M, p.K)],
    [p.b, transB ? shape(p.b, p.N, p.K, 'ᵀ') : shape(p.b, p.K, p.N)],
    [p.c, layers === 1 ? shape(p.c, p.M, p.N) : `${p.c.label} [${layers}×${p.M}×${p.N}] (partial products)`],
  ];
  if (p.sums) storage.push([p.sums.out, `${shape(p.sums.out, p.N)} (column sums of ${p.b.label})`]);
  if (p.loss) storage.push([p.loss.rowLoss, shape(p.loss.rowLoss, p.K)], [p.loss.out, shape(p.loss.out, 1)]);
  const e = p.epilogue;
  // the epilogue's bias and out are bindings 7 and 8 (4–6 are the sums' and the loss's)
  if (e) storage.push(null, null, null, [e.bias, shape(e.bias, p.N)], ...(e.out ? [[e.out, shape(e.out, p.M, p.N)] as [GPUBuffer, string]] : []));
  // matmul_vec4 reads B as stored (no TRANS_B)
  const constants: Record<string, number> = shader === 'matmul_vec4' ? { TRANS_A: Number(transA) } : { TRANS_A: Number(transA), TRANS_B: Number(transB) };
  if (e?.out) constants.ACTIVATION = ACTIVATION_CODE[e.activation];
  const steps = p.step ? [{ step: p.step, rows: p.M, cols: p.N }, ...(p.sums ? [{ step: p.sums.step, rows: 1, cols: p.N }] : [])] : [];
  const common = {
    label: p.label, shader, outputs: p.loss ? [2, 3, 5] : p.sums ? [2, 3] : e?.out ? [2, 7] : [2], storage, flops: 2 * p.M * p.N * p.K,
    constants,
    entryPoint: p.loss ? 'main_sums_loss_update' : p.sums ? 'main_sums_update' : p.step ? 'main_update' : e ? (e.out ? 'main_bias_act' : 'main_bias') : 'main',
    update: p.step ? updateGroup(steps) : undefined,
    // main_sums_update: one more row of workgroups for the sums; main_sums_loss_update: and
    // columns for N + 1 sums
    workgroups: checkGrid(device, p.label, [divUp(p.N + (p.loss ? 1 : 0), cols), divUp(p.M, rows) + (p.sums ? 1 : 0), layers]),
  };
  return shader === 'matmul'
    ? createDispatch(device, { ...common, uniform: MatmulSplitSizes, sizes: { M: p.M, N: p.N, K: p.K, kChunk } })
    : createDispatch(device, { ...common, uniform: MatmulSizes, sizes: { M: p.M, N: p.N, K: p.K } });
}

/** K per split-K layer: K / chunks rounded up to a multiple of the kernels' slab (16). */
function splitChunk(K: number, chunks: number): number {
  return Math.ceil(K / chunks / MATMUL_SLAB) * MATMUL_SLAB;
}

/** The layers `chunks` chunks of K make (fewer where rounding the chunk up to 16 covers K sooner). */
function splitLayers(K: number, chunks: number): number {
  return chunks === 1 ? 1 : Math.ceil(K / splitChunk(K, chunks));
}

/**
 * How many K chunks split-K uses for a product on a GPU: 1 (no split) for products that make
 * 512 or more tiles of matmul.wgsl or have K < 256; else enough chunks for about 1024
 * workgroups, each chunk at least 64 deep, counted as the layers they make once each chunk is
 * rounded up to the slab (784 asked into 8 chunks makes 7 of 112). H100 (BENCHMARKS.md): the
 * forward 128×1000×784 in 0.036–0.041 ms with 7 chunks against 0.10–0.14 unsplit; the weight
 * gradients (784×1000×128, 800 tiles) lost with 2 chunks (0.034–0.055 against 0.021–0.039),
 * hence the limits.
 */
export function splitKChunks(M: number, N: number, K: number): number {
  const tiles = divUp(M, MATMUL_TILE) * divUp(N, MATMUL_TILE);
  if (tiles >= 512 || K < 256) return 1;
  return splitLayers(K, Math.max(1, Math.min(Math.ceil(1024 / tiles), Math.floor(K / 64))));
}

/**
 * C = op(A)·op(B) in two dispatches: matmul.wgsl's split-K over `chunks` slices of K into
 * `scratch` [chunks×M×N] (at least), then column_sum over the chunks into C.
 */
export function matmulSplitK(device: GPUDevice, p: {
  label: string;
  a: GPUBuffer; b: GPUBuffer; c: GPUBuffer;
  /** at least chunks·M·N floats */
  scratch: GPUBuffer;
  M: number; N: number; K: number;
  transA?: boolean; transB?: boolean;
  chunks: number;
  /** column_sum's form (default: by adapter) */
  sum?: 'serial' | 'lanes';
  /** C is θ's gradient: the sum also steps θ with it */
  step?: SgdStep;
}): Dispatch[] {
  const partial = matmulPartials(device, p);
  const layers = partial.workgroups[2];
  return [partial, columnSum(device, { label: `${p.label}.sum${p.step ? '+update' : ''}`, g: p.scratch, out: p.c, rows: layers, cols: p.M * p.N, form: p.sum, step: p.step })];
}

/**
 * The first half of matmulSplitK alone: matmul.wgsl's partial products into `scratch`, for a
 * consumer that adds them itself (biasActivation's `partials`); its grid's z is the layer count.
 */
export function matmulPartials(device: GPUDevice, p: {
  label: string;
  a: GPUBuffer; b: GPUBuffer;
  scratch: GPUBuffer;
  M: number; N: number; K: number;
  transA?: boolean; transB?: boolean;
  chunks: number;
}): Dispatch {
  const { label, a, b, scratch, M, N, K, transA, transB } = p;
  return matmulDispatch(device, { label: `${label}.partial`, a, b, c: scratch, M, N, K, transA, transB }, 'matmul', p.chunks);
}

// column_sum.wgsl
const RowsCols = new UniformLayout([['rows', 'u32'], ['cols', 'u32']] as const);
// bias_activation.wgsl
const BiasSizes = new UniformLayout([['rows', 'u32'], ['cols', 'u32'], ['layers', 'u32']] as const);

/**
 * pre += bias (broadcast over rows); with `out`, also out = f(pre) (a hidden layer);
 * without it, only the bias (the logits). With `partials` (a hidden layer whose product was
 * split, matmulPartials), pre = Σ of the partial products + bias, written whole.
 */
export function biasActivation(device: GPUDevice, p: {
  label: string;
  /** [rows×cols], updated in place (written whole with partials) */
  pre: GPUBuffer;
  /** [cols] */
  bias: GPUBuffer;
  /** [rows×cols]; omitted for the output layer */
  out?: GPUBuffer;
  /** split-K's partial products [layers×rows×cols]; needs out */
  partials?: { buffer: GPUBuffer; layers: number };
  rows: number; cols: number;
  activation: Activation;
}): Dispatch {
  if (p.partials && !p.out) throw new Error(`${p.label}: partial products are added only for a hidden layer (with out)`);
  const storage: [GPUBuffer, string][] = [[p.pre, shape(p.pre, p.rows, p.cols)], [p.bias, shape(p.bias, p.cols)]];
  if (p.out) storage.push([p.out, shape(p.out, p.rows, p.cols)]);
  if (p.partials) storage.push([p.partials.buffer, `${p.partials.buffer.label} [${p.partials.layers}×${p.rows}×${p.cols}] (partial products)`]);
  return createDispatch(device, {
    label: p.label,
    shader: 'bias_activation', outputs: p.out ? [0, 2] : [0],
    entryPoint: p.partials ? 'sum_main' : p.out ? 'main' : 'add_bias',
    constants: p.out ? { ACTIVATION: ACTIVATION_CODE[p.activation] } : {},
    uniform: BiasSizes,
    sizes: { rows: p.rows, cols: p.cols, layers: p.partials?.layers ?? 1 },
    storage,
    workgroups: grid1d(device, p.label, p.rows * p.cols, 256),
  });
}

// softmax_cross_entropy.wgsl
const SoftmaxSizes = new UniformLayout([['rows', 'u32'], ['classes', 'u32'], ['inputs', 'u32']] as const);
// mse_loss.wgsl, accuracy.wgsl
const RowsClasses = new UniformLayout([['rows', 'u32'], ['classes', 'u32']] as const);
/** The most classes softmax_cross_entropy.wgsl's `output` entry takes (4 class lanes of 4 classes). */
export const OUTPUT_LAYER_MAX_CLASSES = 16;

/** Storage buffers a stage that softmax_cross_entropy's `output_signal` binds. */
const OUTPUT_SIGNAL_STORAGE_BUFFERS = 9;

/** Whether the device lets the fused output layer make the hidden signal below it too (`signal`). */
export function outputTakesSignal(device: GPUDevice): boolean {
  return device.limits.maxStorageBuffersPerShaderStage >= OUTPUT_SIGNAL_STORAGE_BUFFERS;
}

/**
 * rowLoss = −log softmax(logits)[y] / rows and dLogits = (softmax − onehot) / rows. With
 * `layer`, the output layer first, in the same launch: logits = h·W + b, written to `logits`
 * (at most OUTPUT_LAYER_MAX_CLASSES classes). With `signal` too, then the hidden layer's
 * error signal δ = (dLogits·F) ⊙ f′ (F as hiddenSignal's, f′ from h), in the same launch.
 */
export function softmaxCrossEntropy(device: GPUDevice, p: {
  label: string;
  /** [rows×classes]; written with `layer` */
  logits: GPUBuffer;
  /** [rows] i32 */
  labels: GPUBuffer;
  /** [rows×classes] */
  dLogits: GPUBuffer;
  /** [rows] */
  rowLoss: GPUBuffer;
  rows: number; classes: number;
  /** h [rows×inputs], W [inputs×classes], b [classes] */
  layer?: { h: GPUBuffer; w: GPUBuffer; bias: GPUBuffer; inputs: number };
  /**
   * With `layer`: δ [rows×inputs] of the hidden layer whose output is h, through f: B or M
   * [classes×inputs], or W itself read as Wᵀ (`transposed`), as SignalParams has them; f′ of
   * `activation` from h.
   */
  signal?: Pick<SignalParams, 'f' | 'delta' | 'transposed' | 'signConcordant' | 'activation'>;
}): Dispatch {
  const storage: [GPUBuffer, string][] = [
    [p.logits, shape(p.logits, p.rows, p.classes)],
    [p.labels, shape(p.labels, p.rows)],
    [p.dLogits, shape(p.dLogits, p.rows, p.classes)],
    [p.rowLoss, shape(p.rowLoss, p.rows)],
  ];
  const l = p.layer, sig = p.signal;
  if (l) {
    if (p.classes > OUTPUT_LAYER_MAX_CLASSES) throw new Error(`${p.label}: the fused output layer takes at most ${OUTPUT_LAYER_MAX_CLASSES} classes, got ${p.classes}`);
    storage.push([l.h, shape(l.h, p.rows, l.inputs)], [l.w, shape(l.w, l.inputs, p.classes)], [l.bias, shape(l.bias, p.classes)]);
  }
  if (sig) {
    if (!l) throw new Error(`${p.label}: the hidden signal is made only by the fused output layer (layer)`);
    if (!outputTakesSignal(device)) throw new Error(`${p.label}: the output layer makes the hidden signal only on a device that allows ${OUTPUT_SIGNAL_STORAGE_BUFFERS} storage buffers a stage (this one: ${device.limits.maxStorageBuffersPerShaderStage})`);
    const fShape = sig.transposed ? shape(sig.f, l.inputs, p.classes, ' (read as ᵀ)') : shape(sig.f, p.classes, l.inputs, sig.signConcordant ? ' (magnitudes)' : '');
    storage.push([sig.f, fShape], [sig.delta, shape(sig.delta, p.rows, l.inputs)]);
  }
  return createDispatch(device, {
    label: p.label,
    shader: 'softmax_cross_entropy', outputs: sig ? [0, 2, 3, 8] : l ? [0, 2, 3] : [2, 3],
    entryPoint: sig ? 'output_signal' : l ? 'output' : 'main',
    constants: sig ? { TRANSPOSED: Number(sig.transposed), SIGN_CONCORDANT: Number(sig.signConcordant), ACTIVATION: ACTIVATION_CODE[sig.activation] } : {},
    uniform: SoftmaxSizes,
    sizes: { rows: p.rows, classes: p.classes, inputs: l?.inputs ?? 0 },
    storage,
    // output: a workgroup a row, folded into y past the per-dimension limit
    workgroups: l ? grid1d(device, p.label, p.rows, 1) : checkGrid(device, p.label, [divUp(p.rows, 64), 1, 1]),
    // the product, and the signal's (rows×classes)·(classes×inputs)
    flops: l ? 2 * p.rows * l.inputs * p.classes * (sig ? 2 : 1) : 0,
  });
}

// hidden_signal.wgsl
const SignalSizes = new UniformLayout([['rows', 'u32'], ['hidden', 'u32'], ['classes', 'u32'], ['kChunk', 'u32']] as const);

/** What hiddenSignal and hiddenSignalSplitK take. */
export interface SignalParams {
  label: string;
  /** [rows×classes], the error the signal comes from */
  e: GPUBuffer;
  /** B, D or M [classes×hidden], or W [hidden×classes] with transposed */
  f: GPUBuffer;
  /** [rows×hidden] */
  pre: GPUBuffer;
  /** [rows×hidden] */
  delta: GPUBuffer;
  /** W [hidden×classes], whose signs signConcordant uses */
  w: GPUBuffer;
  rows: number; hidden: number; classes: number;
  transposed: boolean;
  signConcordant: boolean;
  activation: Activation;
}

/**
 * The forms of a hidden signal: 'tiled' (hidden_signal.wgsl's `main`, GPUs), 'direct' (its
 * `direct`, CPU adapters), 'lanes' (matmul_lanes.wgsl's `main_signal`, on a device that takes
 * it; the sign-concordant rules, whose F reads W's signs too, take 'direct' there).
 */
export type SignalForm = 'tiled' | 'direct' | 'lanes';

/**
 * δ = (e·F) ⊙ f′(pre). F is a feedback matrix [classes×hidden] (fa, kp, dfa), W
 * [hidden×classes] read as Wᵀ (`transposed`, bp), or magnitudes M [classes×hidden] with the
 * signs of Wᵀ (`signConcordant`, usf/frsf/brsf). Activation 'linear' gives the unmasked s = e·F.
 */
export function hiddenSignal(device: GPUDevice, p: SignalParams & {
  /** Default: as the products' kernel: 'lanes' or 'direct' on CPU adapters, else 'tiled'. */
  form?: SignalForm;
}): Dispatch {
  const form = p.form ?? (isCpuAdapter(device) ? (lanesFit(device, p.rows, p.hidden) ? 'lanes' : 'direct') : 'tiled');
  if (form === 'lanes' && !p.signConcordant) return lanesSignal(device, p);
  return signalDispatch(device, p, form !== 'tiled', 1, shape(p.delta, p.rows, p.hidden));
}

/** δ by matmul_lanes.wgsl's main_signal: C = e·F (F = W read as Wᵀ with transposed), stored as C ⊙ f′(pre). */
function lanesSignal(device: GPUDevice, p: SignalParams): Dispatch {
  if (!takesLanes(device)) throw new Error(`${p.label}: the lanes form runs only on a device whose subgroups are 4 lanes wide, and this one ${lanesRefusal(device)}`);
  const fShape = p.transposed ? shape(p.f, p.hidden, p.classes, ' (read as ᵀ)') : shape(p.f, p.classes, p.hidden);
  return createDispatch(device, {
    label: p.label,
    shader: 'matmul_lanes', outputs: [2],
    entryPoint: 'main_signal',
    constants: { TRANS_A: 0, TRANS_B: Number(p.transposed), ACTIVATION: ACTIVATION_CODE[p.activation] },
    uniform: MatmulSizes,
    sizes: { M: p.rows, N: p.hidden, K: p.classes },
    // e, F and δ at bindings 1–3, pre at 9 (4–8 are the products' epilogues')
    storage: [[p.e, shape(p.e, p.rows, p.classes)], [p.f, fShape], [p.delta, shape(p.delta, p.rows, p.hidden)], null, null, null, null, null, [p.pre, shape(p.pre, p.rows, p.hidden)]],
    workgroups: checkGrid(device, p.label, [divUp(p.hidden, MATMUL_LANES_COLS), divUp(p.rows, MATMUL_LANES_ROWS), 1]),
    flops: 2 * p.rows * p.hidden * p.classes,
  });
}

/**
 * The same δ in two dispatches, for few tiles and many classes: hidden_signal.wgsl's split-K
 * (`main`, one layer per chunk of the classes, each a multiple of 16) writes unmasked partial
 * sums into `scratch`, then column_sum's `masked` adds the layers and applies f′ into delta.
 */
export function hiddenSignalSplitK(device: GPUDevice, p: SignalParams & {
  /** at least chunks·rows·hidden floats */
  scratch: GPUBuffer;
  chunks: number;
}): Dispatch[] {
  const layers = splitLayers(p.classes, p.chunks);
  // One layer (few classes): the kernel's own masked store, no partial sums.
  if (layers === 1) return [hiddenSignal(device, { ...p, form: 'tiled' })];
  const partial = signalDispatch(device, { ...p, label: `${p.label}.partial`, delta: p.scratch }, false, p.chunks,
    `${p.scratch.label} [${layers}×${p.rows}×${p.hidden}] (partial sums)`);
  const sum = columnSum(device, { label: `${p.label}.sum`, g: p.scratch, out: p.delta, rows: layers, cols: p.rows * p.hidden, mask: { pre: p.pre, activation: p.activation } });
  return [partial, sum];
}

function signalDispatch(device: GPUDevice, p: SignalParams, direct: boolean, kChunks: number, deltaShape: string): Dispatch {
  const tile = direct ? MATMUL_DIRECT_TILE : MATMUL_TILE;
  const kChunk = kChunks === 1 ? p.classes : splitChunk(p.classes, kChunks);
  const fShape = p.transposed ? shape(p.f, p.hidden, p.classes, ' (read as ᵀ)') : shape(p.f, p.classes, p.hidden, p.signConcordant ? ' (magnitudes)' : '');
  return createDispatch(device, {
    label: p.label,
    shader: 'hidden_signal', outputs: [3],
    entryPoint: direct ? 'direct' : 'main',
    constants: { TRANSPOSED: Number(p.transposed), SIGN_CONCORDANT: Number(p.signConcordant), ACTIVATION: ACTIVATION_CODE[p.activation] },
    uniform: SignalSizes,
    sizes: { rows: p.rows, hidden: p.hidden, classes: p.classes, kChunk },
    storage: [
      [p.e, shape(p.e, p.rows, p.classes)],
      [p.f, fShape],
      [p.pre, shape(p.pre, p.rows, p.hidden)],
      [p.delta, deltaShape],
      [p.w, p.signConcordant ? shape(p.w, p.hidden, p.classes, ' (signs)') : `${p.w.label} (unused)`],
    ],
    workgroups: checkGrid(device, p.label, [divUp(p.hidden, tile), divUp(p.rows, tile), Math.ceil(p.classes / kChunk)]),
    flops: 2 * p.rows * p.hidden * p.classes,
  });
}

// mse_loss.wgsl

/** rowLoss = ½‖z − onehot‖² / rows and dOut = (z − onehot) / rows. */
export function mseLoss(device: GPUDevice, p: {
  label: string;
  /** [rows×classes] */
  z: GPUBuffer;
  /** [rows] i32 */
  labels: GPUBuffer;
  /** [rows×classes] */
  dOut: GPUBuffer;
  /** [rows] */
  rowLoss: GPUBuffer;
  rows: number; classes: number;
}): Dispatch {
  return createDispatch(device, {
    label: p.label,
    shader: 'mse_loss', outputs: [2, 3],
    uniform: RowsClasses,
    sizes: { rows: p.rows, classes: p.classes },
    storage: [
      [p.z, shape(p.z, p.rows, p.classes)],
      [p.labels, shape(p.labels, p.rows)],
      [p.dOut, shape(p.dOut, p.rows, p.classes)],
      [p.rowLoss, shape(p.rowLoss, p.rows)],
    ],
    workgroups: checkGrid(device, p.label, [divUp(p.rows, 64), 1, 1]),
  });
}

// column_sum.wgsl

/** From this many columns a GPU has threads enough for column_sum's serial form. */
const SERIAL_SUM_MIN_COLS = 65536;

/**
 * out[j] = Σ_i g[i, j]: bias gradients, the batch loss from per-row losses, split-K's partial
 * products. One thread per column ('serial') on CPU adapters, and on GPUs for sums of 65,536
 * columns or more (split-K's partial products of the first layers, which the H100 summed in
 * 0.007–0.008 ms serially against 0.014–0.023 with lanes); 16 lanes per column on GPUs below
 * that (the bias gradients: 1024 columns of 256 rows in 0.009 ms against 0.052 serially).
 */
export function columnSum(device: GPUDevice, p: {
  label: string;
  /** [rows×cols] */
  g: GPUBuffer;
  /** [cols] */
  out: GPUBuffer;
  rows: number; cols: number;
  /** Default: 'serial' on CPU adapters and for 65,536 columns or more, else 'lanes'. */
  form?: 'serial' | 'lanes';
  /** out[j] × f′(pre[j]) (`masked`, serial): hidden_signal's split-K layers into δ. */
  mask?: { pre: GPUBuffer; activation: Activation };
  /** out is θ's gradient [cols]: also step θ with it in the same launch (`main_update`, `lanes_update`); not with mask */
  step?: SgdStep;
  /**
   * Also loss[0] = Σ rowLoss (`lanes_loss_update`, `main_loss_update`; with step): the batch
   * loss beside the output layer's db and b's step.
   */
  loss?: { rowLoss: GPUBuffer; out: GPUBuffer };
}): Dispatch {
  const storage: [GPUBuffer, string][] = [[p.g, shape(p.g, p.rows, p.cols)], [p.out, shape(p.out, p.cols)]];
  if (p.mask) storage.push([p.mask.pre, shape(p.mask.pre, p.cols)]);
  if (p.loss) storage.push([p.loss.rowLoss, shape(p.loss.rowLoss, p.rows)], [p.loss.out, shape(p.loss.out, 1)]);
  const columns = p.cols + (p.loss ? 1 : 0);
  const lanes = !p.mask && columnSumForm(device, p.cols, p.form, columns) === 'lanes';
  if (p.mask && p.step) throw new Error(`${p.label}: masked sums step no tensor`);
  if (p.loss && !p.step) throw new Error(`${p.label}: the batch loss is summed beside the columns only with a step (the output layer's db)`);
  const update = p.step ? '_update' : '';
  return createDispatch(device, {
    label: p.label,
    shader: 'column_sum', outputs: p.loss ? [1, 3] : [1],
    entryPoint: p.mask ? 'masked' : `${lanes ? 'lanes' : 'main'}${p.loss ? '_loss' : ''}${update}`,
    constants: p.mask ? { ACTIVATION: ACTIVATION_CODE[p.mask.activation] } : {},
    uniform: RowsCols,
    sizes: { rows: p.rows, cols: p.cols },
    storage,
    update: p.step ? updateGroup([{ step: p.step, rows: 1, cols: p.cols }]) : undefined,
    // masked folds its grid into y past the per-dimension limit; main and lanes take x only
    workgroups: p.mask ? grid1d(device, p.label, p.cols, 64) : checkGrid(device, p.label, [divUp(columns, lanes ? 16 : 64), 1, 1]),
  });
}

/**
 * columnSum's form for `cols` columns on this device, `form` if given; 'lanes' (16 columns a
 * workgroup, an x-only grid) gives way to 'serial' (64) where its grid would pass the
 * per-dimension limit, as 'auto' would have chosen serial there anyway.
 */
function columnSumForm(device: GPUDevice, cols: number, form?: 'serial' | 'lanes', columns = cols): 'serial' | 'lanes' {
  const chosen = form ?? (isCpuAdapter(device) || cols >= SERIAL_SUM_MIN_COLS ? 'serial' : 'lanes');
  return chosen === 'lanes' && divUp(columns, 16) > device.limits.maxComputeWorkgroupsPerDimension ? 'serial' : chosen;
}

// sgd.wgsl, and group 1 of every kernel that steps a tensor
const SgdSizes = new UniformLayout([['count', 'u32'], ['rows', 'u32'], ['cols', 'u32']] as const);
const OptimizerSettings = new UniformLayout([['lr', 'f32'], ['momentum', 'f32'], ['weightDecay', 'f32']] as const);

export interface SgdSettings {
  learningRate: number;
  momentum: number;
  weightDecay: number;
}

/** A network's optimizer settings in one uniform buffer, bound by every kernel that steps a tensor. */
export function optimizerSettings(device: GPUDevice, label: string, s: SgdSettings): GPUBuffer {
  return OptimizerSettings.create(device, label, settingsValues(s));
}

/** Rewrites the settings buffer: every step encoded after this takes them. */
export function writeOptimizerSettings(device: GPUDevice, buffer: GPUBuffer, s: SgdSettings): void {
  device.queue.writeBuffer(buffer, 0, OptimizerSettings.pack(settingsValues(s)));
}

function settingsValues(s: SgdSettings) {
  return { lr: s.learningRate, momentum: s.momentum, weightDecay: s.weightDecay };
}

/**
 * A tensor a kernel steps with the gradient it makes (sgd.wgsl's rule, torch.optim.SGD's
 * semantics): group 1 of sgd and of the `_update` entry points.
 */
export interface SgdStep {
  /** The network's optimizer settings (optimizerSettings) */
  settings: GPUBuffer;
  /** Updated in place */
  theta: GPUBuffer;
  /** θ's velocity, updated in place with momentum; any buffer without (never touched then) */
  velocity: GPUBuffer;
  /** Whether the network has momentum (its velocities exist) */
  momentum: boolean;
}

/** Group 1 for the tensors stepped, each [rows×cols]: the settings, then each θ and its velocity. */
function updateGroup(steps: readonly { step: SgdStep; rows: number; cols: number }[]): NonNullable<DispatchSpec<string>['update']> {
  return {
    settings: steps[0].step.settings,
    tensors: steps.flatMap(({ step: s, rows, cols }) => [
      [s.theta, `${shape(s.theta, rows, cols)} (stepped)`, true] as const,
      s.momentum ? [s.velocity, shape(s.velocity, rows, cols), true] as const : [s.velocity, `${s.velocity.label} (unused: momentum 0)`, false] as const,
    ]),
  };
}

/**
 * In-place SGD with momentum and weight decay (torch.optim.SGD) of a tensor whose gradient
 * another launch made: Kolen-Pollack's B (with `gradTransposed`: θ is [rows×cols] and grad is
 * stored [cols×rows], dWᵀ), and W where a kernel without a step made dW (matmulFuses).
 */
export function sgd(device: GPUDevice, p: {
  label: string;
  grad: GPUBuffer;
  step: SgdStep;
  rows: number; cols: number;
  gradTransposed?: boolean;
}): Dispatch {
  const t = p.gradTransposed ?? false;
  return createDispatch(device, {
    label: p.label,
    shader: 'sgd', outputs: [],
    constants: { GRAD_TRANSPOSED: Number(t) },
    uniform: SgdSizes,
    sizes: { count: p.rows * p.cols, rows: p.rows, cols: p.cols },
    storage: [[p.grad, t ? shape(p.grad, p.cols, p.rows, ' (read as ᵀ)') : shape(p.grad, p.rows, p.cols)]],
    update: updateGroup([{ step: p.step, rows: p.rows, cols: p.cols }]),
    workgroups: grid1d(device, p.label, p.rows * p.cols, 256),
  });
}

// feedback_draw.wgsl
const DrawParams = new UniformLayout([['count', 'u32'], ['key', 'u32'], ['scale', 'f32']] as const);

/** brsf: redraws |N(0, std²)| magnitudes into m from (key, step counter). */
export function feedbackDraw(device: GPUDevice, p: { label: string; m: GPUBuffer; step: GPUBuffer; count: number; key: number; std: number }): Dispatch {
  return createDispatch(device, {
    label: p.label,
    shader: 'feedback_draw', outputs: [0],
    uniform: DrawParams,
    sizes: { count: p.count, key: p.key, scale: p.std },
    storage: [[p.m, shape(p.m, p.count)], [p.step, shape(p.step, 1)]],
    workgroups: grid1d(device, p.label, p.count, 256),
  });
}

// counter.wgsl
const CounterParams = new UniformLayout([['by', 'u32']] as const);

/** counter[0] += by: brsf's step index. */
export function counterAdd(device: GPUDevice, p: { label: string; counter: GPUBuffer; by: number }): Dispatch {
  return createDispatch(device, {
    label: p.label,
    shader: 'counter', outputs: [{ index: 0, type: 'u32' }],
    uniform: CounterParams,
    sizes: { by: p.by },
    storage: [[p.counter, shape(p.counter, 1)]],
    workgroups: [1, 1, 1],
  });
}

// gather.wgsl
const GatherParams = new UniformLayout([['rows', 'u32'], ['features', 'u32'], ['by', 'u32'], ['centreHi', 'f32'], ['centreLo', 'f32'], ['scale', 'f32'], ['shift', 'f32']] as const);

/**
 * The map x·scale + offset as gather.wgsl applies it, ((x − hi) − lo)·scale + shift: the centre
 * −offset/scale split into two f32 (hi, and lo the rest), shift 0; for scale 0, centre 0 and
 * shift offset. (x·scale + offset in f32 cancels for a large mean and a small spread.)
 */
export function gatherMap(scale: number, offset: number): [hi: number, lo: number, scale: number, shift: number] {
  const centre = -offset / scale;
  const hi = Math.fround(centre);
  // (scale 0, or a centre past f32's range: x·scale + offset as it is)
  if (scale === 0 || !Number.isFinite(hi)) return [0, 0, scale, offset];
  return [hi, Math.fround(centre - hi), scale, 0];
}

/** A per-feature map as main_per_feature reads it: [4×features], the centres' high parts, their low parts, the scales, the shifts. */
export function gatherMapWords(a: { scale: number[]; offset: number[] }): Float32Array {
  const n = a.scale.length;
  const words = new Float32Array(4 * n);
  for (let f = 0; f < n; f++) {
    const [hi, lo, scale, shift] = gatherMap(a.scale[f], a.offset[f]);
    words[f] = hi; words[n + f] = lo; words[2 * n + f] = scale; words[3 * n + f] = shift;
  }
  return words;
}

/**
 * x = source[order[cursor + i]]·scale + offset and its labels, for a batch of `rows`, with
 * cursor = counter[0]; next[0] = cursor + by (the next batch's start, in the other of the
 * dataset's two cursor buffers). `map`: one scale and offset for every feature, or a buffer of
 * gatherMapWords for one per feature (main_per_feature).
 */
export function gather(device: GPUDevice, p: {
  label: string;
  /** f32 [n×features], or packed bytes with sourceU8 */
  source: GPUBuffer;
  sourceLabels: GPUBuffer;
  order: GPUBuffer;
  counter: GPUBuffer;
  next: GPUBuffer;
  by: number;
  x: GPUBuffer;
  labels: GPUBuffer;
  rows: number; features: number;
  sourceU8: boolean;
  map: { scale: number; offset: number } | GPUBuffer;
}): Dispatch {
  const one = 'scale' in p.map && typeof p.map.scale === 'number' ? p.map as { scale: number; offset: number } : null;
  const perFeature = one ? null : p.map as GPUBuffer;
  const [centreHi, centreLo, scale, shift] = one ? gatherMap(one.scale, one.offset) : [0, 0, 1, 0];
  return createDispatch(device, {
    label: p.label,
    shader: 'gather', outputs: [4, { index: 5, type: 'i32' }, { index: 6, type: 'u32' }],
    entryPoint: perFeature ? 'main_per_feature' : 'main',
    constants: { SOURCE_U8: Number(p.sourceU8) },
    uniform: GatherParams,
    sizes: { rows: p.rows, features: p.features, by: p.by, centreHi, centreLo, scale, shift },
    storage: [
      [p.source, `${p.source.label}${p.sourceU8 ? ' (bytes)' : ''} [n×${p.features}]`],
      [p.sourceLabels, `${p.sourceLabels.label} [n]`],
      [p.order, `${p.order.label} [n]`],
      [p.counter, shape(p.counter, 1)],
      [p.x, shape(p.x, p.rows, p.features)],
      [p.labels, shape(p.labels, p.rows)],
      [p.next, shape(p.next, 1)],
      ...(perFeature ? [[perFeature, `${perFeature.label} [4×${p.features}] (centres, high and low parts; scales; shifts)`] as [GPUBuffer, string]] : []),
    ],
    workgroups: grid1d(device, p.label, p.rows * p.features, 256),
  });
}

// finite.wgsl
const FiniteParams = new UniformLayout([['count', 'u32'], ['code', 'u32']] as const);
/** Workgroups a finiteness check launches at most: each thread strides over the rest. */
const FINITE_MAX_GROUPS = 1024;

/** flag[0] = max(flag[0], code) if x [count] holds a NaN or an infinity. */
export function finiteCheck(device: GPUDevice, p: { label: string; x: GPUBuffer; flag: GPUBuffer; count: number; code: number }): Dispatch {
  return createDispatch(device, {
    label: p.label,
    shader: 'finite', outputs: [{ index: 1, type: 'u32' }],
    uniform: FiniteParams,
    sizes: { count: p.count, code: p.code },
    storage: [[p.x, shape(p.x, p.count)], [p.flag, shape(p.flag, 1)]],
    workgroups: [Math.min(FINITE_MAX_GROUPS, Math.max(1, divUp(p.count, 256))), 1, 1],
  });
}

// accuracy.wgsl

/** correct[i] = [argmax z_i = labels[i]]. */
export function correctRows(device: GPUDevice, p: { label: string; z: GPUBuffer; labels: GPUBuffer; correct: GPUBuffer; rows: number; classes: number }): Dispatch {
  return createDispatch(device, {
    label: p.label,
    shader: 'accuracy', outputs: [2],
    uniform: RowsClasses,
    sizes: { rows: p.rows, classes: p.classes },
    storage: [[p.z, shape(p.z, p.rows, p.classes)], [p.labels, shape(p.labels, p.rows)], [p.correct, shape(p.correct, p.rows)]],
    workgroups: checkGrid(device, p.label, [divUp(p.rows, 64), 1, 1]),
  });
}

// alignment.wgsl
const AlignParams = new UniformLayout([['rows', 'u32'], ['cols', 'u32'], ['slot', 'u32']] as const);

/** out[3·slot …] = Σ a·b′, Σ a², Σ b′² over a [rows×cols], b′ = b or bᵀ (b stored [cols×rows]). */
export function dotNorms(device: GPUDevice, p: { label: string; a: GPUBuffer; b: GPUBuffer; out: GPUBuffer; rows: number; cols: number; bTransposed: boolean; slot: number }): Dispatch {
  return createDispatch(device, {
    label: p.label,
    shader: 'alignment', outputs: [2],
    entryPoint: 'dot_norms',
    constants: { B_TRANSPOSED: Number(p.bTransposed) },
    uniform: AlignParams,
    sizes: { rows: p.rows, cols: p.cols, slot: p.slot },
    storage: [
      [p.a, shape(p.a, p.rows, p.cols)],
      [p.b, p.bTransposed ? shape(p.b, p.cols, p.rows, ' (read as ᵀ)') : shape(p.b, p.rows, p.cols)],
      [p.out, `${p.out.label} (slot ${p.slot})`],
    ],
    workgroups: [1, 1, 1],
  });
}

/** out = M ⊙ sign(W)ᵀ, M [rows×cols], W [cols×rows]: the sign-concordant feedback. */
export function effectiveFeedback(device: GPUDevice, p: { label: string; m: GPUBuffer; w: GPUBuffer; out: GPUBuffer; rows: number; cols: number }): Dispatch {
  return createDispatch(device, {
    label: p.label,
    shader: 'alignment', outputs: [2],
    entryPoint: 'effective_feedback',
    uniform: AlignParams,
    sizes: { rows: p.rows, cols: p.cols, slot: 0 },
    storage: [[p.m, shape(p.m, p.rows, p.cols)], [p.w, shape(p.w, p.cols, p.rows, ' (signs, read as ᵀ)')], [p.out, shape(p.out, p.rows, p.cols)]],
    workgroups: grid1d(device, p.label, p.rows * p.cols, 256),
  });
}
