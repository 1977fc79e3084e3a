// Times candidate forms of the large-product kernel side by side on one GPU, for issue 6's
// 4096³ target: matmul_pipelined.wgsl and matmul_vec4.wgsl as they are, and forms of the same
// 128×128 tiling made by `candidate` below from a few switches (fma, warp layout, unrolled
// buffers, slab depth, vec4 loads of B, tile shape). Each is first checked against a float64
// product on an awkward shape and on sampled entries of the largest one; a candidate that fails
// is reported and not timed. Plain JavaScript with WebGPU only, so that it runs from the
// NVIDIA packs without a build (../shared/gpu/README.md; `bash bench/nvidia-run.sh OUT tune`):
//   bash .gpu-node/run.sh node bench/matmul-tune.mjs [seconds] [sizes, e.g. 4096,2048]      (Dawn)
//   bash .gpu/run.sh deno run --allow-read --allow-env bench/matmul-tune.mjs [seconds] [sizes]  (wgpu)
// A third argument, a regular expression, picks candidates by name.
// FA_DAWN_FLAGS passes flags to dawn.node's create() (e.g. enable-dawn-features=disable_robustness).
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import process from 'node:process';

// Deno has navigator.gpu (wgpu); under Node, dawn.node from DAWN_NODE or the npm package `webgpu`.
const flags = process.env.FA_DAWN_FLAGS;
let gpu = globalThis.navigator?.gpu;
if (!gpu) {
  const { create, globals } = createRequire(import.meta.url)(process.env.DAWN_NODE ?? 'webgpu');
  Object.assign(globalThis, globals);
  gpu = create(flags ? flags.trim().split(/\s+/) : []);
}
const seconds = Number(process.argv[2] ?? 0.4);
const sizes = (process.argv[3] ?? '4096,2048').split(',').map(Number);
const only = new RegExp(process.argv[4] ?? '');

/**
 * WGSL for C = A·B (row-major f32; A [M×K], B [K×N]) with BM×BN tiles, 4·RG × 4·CG outputs a
 * thread (rows 4·RG·ty … +4·RG−1; columns 4·tx … +3, then every BN/CG), K staged in slabs of BK through
 * two buffers of workgroup memory (A's slab stored k-major, four rows a vec4), the next slab's
 * reads issued before the current slab's arithmetic.
 *   fma: the multiply-adds as fma(); else `acc += a * b`.
 *   map: 'row' (ty = t / TX) or 'warp' (each warp of 32 a block of 8 tx × 4 ty).
 *   unroll: the two buffers' passes written out, every index into workgroup memory a constant
 *     plus a thread offset; else one loop over slabs with the buffer chosen by s % 2.
 *   vecB: B read as vec4 (N a multiple of 4).
 *   twoD (with unroll): the tiles as [2·BK][BM/4] arrays of vec4, each k step reading a constant row.
 *   vecC: C written as vec4s (N a multiple of 4); else four scalar stores from a loop that
 *     indexes the vector (what cost ~15% under Dawn's robustness).
 *   consts: M, N, K as override constants (a pipeline a shape) instead of a uniform buffer.
 *   transA (with twoD): A stored [K×M] and read as vec4s of 4 rows at one k (M a multiple of 4).
 */
export function candidate({ BM = 128, BN = 128, BK = 8, RG = 2, CG = 2, fma = false, map = 'row', unroll = false, vecB = false, twoD = false, consts = false, vecC = false, transA = false } = {}) {
  if (transA && !twoD) throw new Error('transA needs twoD');
  if (twoD && !unroll) throw new Error('twoD needs unroll');
  const TM = 4 * RG, TN = 4 * CG;            // rows and columns of C a thread
  const TX = BN / TN, TY = BM / TM, WG = TX * TY;
  const RA = BM / 4, RB = BN / 4;            // vec4 slots per k of A's and B's slab
  const NA = (BK * RA) / WG, NB = (BK * RB) / WG;  // vec4 slots a thread fills per slab
  if (!Number.isInteger(NA) || !Number.isInteger(NB) || NA < 1 || NB < 1) throw new Error(`slab ${BK} does not divide among ${WG} threads`);
  if (map === 'warp' && (TX % 8 || TY % 4)) throw new Error('warp map needs TX % 8 = 0 and TY % 4 = 0');
  const HA = BK * RA, HB = BK * RB;          // slots per buffer
  const L = [];
  if (consts) L.push(`override SM: u32; override SN: u32; override SK: u32;`);
  else {
    L.push(`struct Sizes { M: u32, N: u32, K: u32, }`);
    L.push(`@group(0) @binding(0) var<uniform> sizes: Sizes;`);
  }
  L.push(`@group(0) @binding(1) var<storage, read> a: array<${transA ? 'vec4<f32>' : 'f32'}>;`);
  L.push(`@group(0) @binding(2) var<storage, read> b: array<${vecB ? 'vec4<f32>' : 'f32'}>;`);
  L.push(`@group(0) @binding(3) var<storage, read_write> c: array<${vecC ? 'vec4<f32>' : 'f32'}>;`);
  if (twoD) {
    // one row of vec4s a k of a buffer: the unrolled loop's rows are constants, so only the
    // thread's offset into a row is a run-time index (bounds-clamped under robustness)
    L.push(`var<workgroup> tileA: array<array<vec4<f32>, ${RA}>, ${2 * BK}>;`);
    L.push(`var<workgroup> tileB: array<array<vec4<f32>, ${RB}>, ${2 * BK}>;`);
  } else {
    L.push(`var<workgroup> tileA: array<vec4<f32>, ${2 * HA}>;`);
    L.push(`var<workgroup> tileB: array<vec4<f32>, ${2 * HB}>;`);
  }
  if (transA) {
    // A stored [K×M]: rows 4·g … +3 at one k are one vec4 (M a multiple of 4); slot s: k = s / RA, g = s % RA
    L.push(`fn fetchA(row0: u32, k0: u32, s: u32) -> vec4<f32> { let k = k0 + s / ${RA}u; let r = row0 + 4u * (s % ${RA}u); if (r >= sizes.M || k >= sizes.K) { return vec4<f32>(0.0); } return a[(k * sizes.M + r) / 4u]; }`);
    L.push(`fn stashA(q: u32, s: u32, v: vec4<f32>) { tileA[q + s / ${RA}u][s % ${RA}u] = v; }`);
  } else {
    L.push(`fn loadA(row: u32, k: u32) -> f32 { if (row >= sizes.M || k >= sizes.K) { return 0.0; } return a[row * sizes.K + k]; }`);
    // A's slot s: k = s % BK, rows 4·(s / BK) … +3
    L.push(`fn fetchA(row0: u32, k0: u32, s: u32) -> vec4<f32> { let k = k0 + s % ${BK}u; let r = row0 + 4u * (s / ${BK}u); return vec4<f32>(loadA(r, k), loadA(r + 1u, k), loadA(r + 2u, k), loadA(r + 3u, k)); }`);
  }
  if (transA) { /* stashA above */ } else if (twoD) L.push(`fn stashA(q: u32, s: u32, v: vec4<f32>) { tileA[q + s % ${BK}u][s / ${BK}u] = v; }`);
  else L.push(`fn stashA(q: u32, s: u32, v: vec4<f32>) { tileA[q + (s % ${BK}u) * ${RA}u + s / ${BK}u] = v; }`);
  if (vecB) {
    L.push(`fn fetchB(col0: u32, k0: u32, s: u32) -> vec4<f32> { let k = k0 + s / ${RB}u; let n = col0 + 4u * (s % ${RB}u); if (k >= sizes.K || n >= sizes.N) { return vec4<f32>(0.0); } return b[(k * sizes.N + n) / 4u]; }`);
  } else {
    L.push(`fn loadB(k: u32, col: u32) -> f32 { if (k >= sizes.K || col >= sizes.N) { return 0.0; } return b[k * sizes.N + col]; }`);
    L.push(`fn fetchB(col0: u32, k0: u32, s: u32) -> vec4<f32> { let k = k0 + s / ${RB}u; let n = col0 + 4u * (s % ${RB}u); return vec4<f32>(loadB(k, n), loadB(k, n + 1u), loadB(k, n + 2u), loadB(k, n + 3u)); }`);
  }
  if (twoD) L.push(`fn stashB(q: u32, s: u32, v: vec4<f32>) { tileB[q + s / ${RB}u][s % ${RB}u] = v; }`);
  else L.push(`fn stashB(q: u32, s: u32, v: vec4<f32>) { tileB[q + s] = v; }`);
  if (vecC) L.push(`fn store(row: u32, col: u32, v: vec4<f32>) { if (row >= sizes.M || col >= sizes.N) { return; } c[(row * sizes.N + col) / 4u] = v; }`);
  else L.push(`fn store(row: u32, col: u32, v: vec4<f32>) { if (row >= sizes.M) { return; } let base = row * sizes.N; for (var i = 0u; i < 4u; i++) { if (col + i < sizes.N) { c[base + col + i] = v[i]; } } }`);
  L.push(`@compute @workgroup_size(${WG})`);
  L.push(`fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {`);
  L.push(`  let row0 = wid.y * ${BM}u; let col0 = wid.x * ${BN}u;`);
  if (map === 'warp') {
    L.push(`  let w = t / 32u; let lane = t % 32u;`);
    L.push(`  let tx = (w % ${TX / 8}u) * 8u + lane % 8u; let ty = (w / ${TX / 8}u) * 4u + lane / 8u;`);
  } else {
    L.push(`  let tx = t % ${TX}u; let ty = t / ${TX}u;`);
  }
  L.push(`  let ia = ${RG}u * ty;`);
  for (let r = 0; r < TM; r++) L.push(`  ${Array.from({ length: CG }, (_, j) => `var acc${r}_${j} = vec4<f32>(0.0);`).join(' ')}`);
  const comps = ['x', 'y', 'z', 'w'];
  const madd = (acc, s, v) => (fma ? `${acc} = fma(vec4<f32>(${s}), ${v}, ${acc});` : `${acc} += ${s} * ${v};`);
  const kBody = (qa, qb, k) => {
    // qa, qb, k: WGSL expressions (constants where unrolled)
    const o = [];
    const ra = (i) => (twoD ? `tileA[${qa + k}u][ia + ${i}u]` : `tileA[${qa} + ${k} * ${RA}u + ia + ${i}u]`);
    const rb = (j) => (twoD ? `tileB[${qb + k}u][tx + ${j * TX}u]` : `tileB[${qb} + ${k} * ${RB}u + tx + ${j * TX}u]`);
    o.push(`    { ${Array.from({ length: RG }, (_, i) => `let a${i} = ${ra(i)};`).join(' ')}`);
    o.push(`      ${Array.from({ length: CG }, (_, j) => `let b${j} = ${rb(j)};`).join(' ')}`);
    for (let r = 0; r < TM; r++) {
      const s = `a${r >> 2}.${comps[r & 3]}`;
      o.push(`      ${Array.from({ length: CG }, (_, j) => madd(`acc${r}_${j}`, s, `b${j}`)).join(' ')}`);
    }
    o.push('    }');
    return o.join('\n');
  };
  const fetchNext = (slab) => {
    const o = [];
    for (let i = 0; i < NA; i++) o.push(`nextA${i} = fetchA(row0, (${slab}) * ${BK}u, t + ${i * WG}u);`);
    for (let i = 0; i < NB; i++) o.push(`nextB${i} = fetchB(col0, (${slab}) * ${BK}u, t + ${i * WG}u);`);
    return o.join(' ');
  };
  const stashNext = (qa, qb) => {
    const o = [];
    for (let i = 0; i < NA; i++) o.push(`stashA(${qa}, t + ${i * WG}u, nextA${i});`);
    for (let i = 0; i < NB; i++) o.push(`stashB(${qb}, t + ${i * WG}u, nextB${i});`);
    return o.join(' ');
  };
  L.push(`  let slabs = (sizes.K + ${BK - 1}u) / ${BK}u;`);
  for (let i = 0; i < NA; i++) L.push(`  var nextA${i} = fetchA(row0, 0u, t + ${i * WG}u);`);
  for (let i = 0; i < NB; i++) L.push(`  var nextB${i} = fetchB(col0, 0u, t + ${i * WG}u);`);
  L.push(`  ${stashNext('0u', '0u')}`);
  L.push(`  workgroupBarrier();`);
  if (!unroll) {
    L.push(`  for (var s = 0u; s < slabs; s++) {`);
    L.push(`    let q = s % 2u; let more = s + 1u < slabs;`);
    L.push(`    if (more) { ${fetchNext('s + 1u')} }`);
    L.push(`    for (var k = 0u; k < ${BK}u; k++) {`);
    L.push(kBody(`q * ${HA}u`, `q * ${HB}u`, 'k'));
    L.push(`    }`);
    L.push(`    if (more) { ${stashNext(`(1u - q) * ${HA}u`, `(1u - q) * ${HB}u`)} }`);
    L.push(`    workgroupBarrier();`);
    L.push(`  }`);
  } else {
    const half = (qa, qb, oa, ob, s) => {
      const o = [];
      o.push(`    if (${s} + 1u < slabs) { ${fetchNext(`${s} + 1u`)} }`);
      for (let k = 0; k < BK; k++) o.push(twoD ? kBody(qa, qb, k) : kBody(`${qa}u`, `${qb}u`, `${k}u`));
      o.push(`    if (${s} + 1u < slabs) { ${stashNext(`${oa}u`, `${ob}u`)} }`);
      o.push(`    workgroupBarrier();`);
      return o.join('\n');
    };
    L.push(`  for (var s = 0u; s < slabs; s += 2u) {`);
    // the second buffer's first slot: a row offset (twoD) or a slot offset
    const [QA, QB] = twoD ? [BK, BK] : [HA, HB];
    L.push(half(0, 0, QA, QB, 's'));
    L.push(`    if (s + 1u >= slabs) { break; }`);
    L.push(half(QA, QB, 0, 0, '(s + 1u)'));
    L.push(`  }`);
  }
  L.push(`  let row = row0 + ${TM}u * ty; let col = col0 + 4u * tx;`);
  for (let r = 0; r < TM; r++) L.push(`  ${Array.from({ length: CG }, (_, j) => `store(row + ${r}u, col + ${j * 4 * TX}u, acc${r}_${j});`).join(' ')}`);
  L.push('}');
  let code = L.join('\n');
  if (consts) code = code.replace(/sizes\.([MNK])/g, 'S$1');
  return { code, rows: BM, cols: BN, needs4: vecB || vecC || transA, consts, transA };
}

const here = new URL('.', import.meta.url);
// A shader of the library as it is; with TRANS_A its A is uploaded transposed ([K×M]: the
// product is still A·B, checked and timed as Aᵀ·B, the weight gradients' form).
const file = (name, needs4 = false, transA = false) => ({ code: readFileSync(new URL(`../shaders/${name}.wgsl`, here), 'utf8'), rows: 128, cols: 128, needs4, transA, overrides: transA ? { TRANS_A: 1 } : {} });
const g = (o) => () => candidate(o);
// Every form timed in session 12 (BENCHMARKS.md), in the order of its rounds; a regular
// expression on the command line picks some.
const CANDIDATES = {
  'matmul_pipelined.wgsl': () => file('matmul_pipelined'),
  'matmul_vec4.wgsl': () => file('matmul_vec4', true),
  'matmul_pipelined.wgsl Aᵀ': () => file('matmul_pipelined', false, true),
  'matmul_vec4.wgsl Aᵀ': () => file('matmul_vec4', true, true),
  // round 1: the switches one at a time on matmul_pipelined's form
  'gen (pipelined)': g({}),
  'gen fma': g({ fma: true }),
  'gen fma warp': g({ fma: true, map: 'warp' }),
  'gen warp unroll': g({ map: 'warp', unroll: true }),
  'gen fma row unroll': g({ fma: true, unroll: true }),
  'gen fma warp unroll': g({ fma: true, map: 'warp', unroll: true }),
  'gen fma warp unroll bk16': g({ fma: true, map: 'warp', unroll: true, BK: 16 }),
  'gen fma warp unroll vecB': g({ fma: true, map: 'warp', unroll: true, vecB: true }),
  'gen fma warp unroll 128x64': g({ fma: true, map: 'warp', unroll: true, BN: 64 }),
  'gen fma warp unroll 64x128': g({ fma: true, map: 'warp', unroll: true, BM: 64 }),
  'gen fma warp unroll 8x16': g({ fma: true, map: 'warp', unroll: true, CG: 4 }),
  'gen fma row unroll 16x8': g({ fma: true, unroll: true, RG: 4 }),
  'gen fma warp unroll 128x256 8x16': g({ fma: true, map: 'warp', unroll: true, BN: 256, CG: 4 }),
  // round 2: two-dimensional tiles (constant rows)
  'gen warp unroll 2d': g({ map: 'warp', unroll: true, twoD: true }),
  'gen fma warp unroll 2d': g({ fma: true, map: 'warp', unroll: true, twoD: true }),
  'gen warp unroll vecB 2d': g({ map: 'warp', unroll: true, vecB: true, twoD: true }),
  'gen fma warp unroll vecB 2d': g({ fma: true, map: 'warp', unroll: true, vecB: true, twoD: true }),
  'gen row unroll vecB 2d': g({ map: 'row', unroll: true, vecB: true, twoD: true }),
  'gen warp unroll vecB 2d bk16': g({ map: 'warp', unroll: true, vecB: true, twoD: true, BK: 16 }),
  'gen warp unroll vecB 2d 128x256 8x16': g({ map: 'warp', unroll: true, vecB: true, twoD: true, BN: 256, CG: 4 }),
  'gen warp unroll vecB 2d 64x128': g({ map: 'warp', unroll: true, vecB: true, twoD: true, BM: 64 }),
  // round 3: C as vec4s, sizes as override constants, A read transposed as vec4s
  'gen row unroll vecB 2d vecC': g({ map: 'row', unroll: true, vecB: true, twoD: true, vecC: true }),
  'gen row unroll vecB 2d consts': g({ map: 'row', unroll: true, vecB: true, twoD: true, consts: true }),
  'gen row unroll vecB 2d transA': g({ map: 'row', unroll: true, vecB: true, twoD: true, transA: true }),
  'gen row unroll vecB 2d all': g({ map: 'row', unroll: true, vecB: true, twoD: true, vecC: true, consts: true, transA: true }),
  'gen warp unroll vecB 2d all': g({ map: 'warp', unroll: true, vecB: true, twoD: true, vecC: true, consts: true, transA: true }),
  'gen row unroll vecB 2d consts bk16': g({ map: 'row', unroll: true, vecB: true, twoD: true, consts: true, BK: 16 }),
  'gen row unroll vecB 2d consts 128x256 8x16': g({ map: 'row', unroll: true, vecB: true, twoD: true, consts: true, BN: 256, CG: 4 }),
};

function rand(n, seed) {
  // xorshift32 → roughly uniform in [-1, 1)
  let x = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; out[i] = x / 2147483648 - 1; }
  return out;
}

const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
const device = await adapter.requestDevice({ requiredLimits: { maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize, maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize, maxBufferSize: adapter.limits.maxBufferSize } });
const info = adapter.info ?? {};
console.log(`${globalThis.Deno ? `Deno ${Deno.version.deno} (wgpu)` : `Node ${process.version} (dawn.node)`}; adapter: ${info.description || [info.vendor, info.architecture, info.device].filter(Boolean).join(' ')}; flags: ${flags ?? '(none)'}; ${new Date().toISOString().slice(0, 10)}`);
let deviceError = null;
device.addEventListener?.('uncapturederror', (e) => { deviceError = e.error?.message ?? String(e); });

function buffer(data, usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC) {
  const buf = device.createBuffer({ size: Math.max(16, data.byteLength), usage });
  device.queue.writeBuffer(buf, 0, data);
  return buf;
}

function transpose(A, M, K) {
  const T = new Float32Array(M * K);
  for (let i = 0; i < M; i++) for (let k = 0; k < K; k++) T[k * M + i] = A[i * K + k];
  return T;
}

// Buffers for C = A·B (A uploaded as Aᵀ [K×M] for a transA candidate), and the pipeline: one a
// shape for a candidate whose sizes are override constants.
function setup(k, M, N, K, A, B) {
  const pipeline = k.consts ? k.compile({ SM: M, SN: N, SK: K }) : k.pipeline;
  const a = buffer(k.transA ? transpose(A, M, K) : A), b = buffer(B), c = buffer(new Float32Array(M * N));
  const u = buffer(new Uint32Array([M, N, K, 0]), GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
  const entries = [u, a, b, c].map((buf, binding) => ({ binding, resource: { buffer: buf } })).slice(k.consts ? 1 : 0);
  const bind = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
  const grid = [Math.ceil(N / k.cols), Math.ceil(M / k.rows)];
  return { pipeline, a, b, c, u, bind, grid, destroy() { for (const x of [a, b, c, u]) x.destroy(); } };
}

async function run(k, s, reps) {
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  pass.setPipeline(s.pipeline);
  pass.setBindGroup(0, s.bind);
  for (let i = 0; i < reps; i++) pass.dispatchWorkgroups(s.grid[0], s.grid[1]);
  pass.end();
  device.queue.submit([enc.finish()]);
  await device.queue.onSubmittedWorkDone();
}

async function read(buf, n) {
  const staging = device.createBuffer({ size: n * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const enc = device.createCommandEncoder();
  enc.copyBufferToBuffer(buf, 0, staging, 0, n * 4);
  device.queue.submit([enc.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const out = new Float32Array(staging.getMappedRange().slice(0));
  staging.destroy();
  return out;
}

// |C − A·B| at (i, j) against a bound of 4·K·2⁻²⁴·Σ|a·b| (float32 sums in any order, with or without fma).
function entryError(A, B, C, N, K, i, j) {
  let exact = 0, mag = 0;
  for (let k = 0; k < K; k++) { const p = A[i * K + k] * B[k * N + j]; exact += p; mag += Math.abs(p); }
  return { err: Math.abs(C[i * N + j] - exact), bound: 4 * K * 2 ** -24 * mag + 1e-30 };
}

async function check(k, M, N, K, samples) {
  const A = rand(M * K, 7 + M), B = rand(K * N, 11 + N);
  const s = setup(k, M, N, K, A, B);
  await run(k, s, 1);
  const C = await read(s.c, M * N);
  s.destroy();
  const cells = [];
  if (samples === 'all') for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) cells.push([i, j]);
  else { const r = rand(2 * samples, 5); for (let n = 0; n < samples; n++) cells.push([Math.floor((r[2 * n] + 1) / 2 * M), Math.floor((r[2 * n + 1] + 1) / 2 * N)]); cells.push([M - 1, N - 1], [0, N - 1], [M - 1, 0]); }
  for (const [i, j] of cells) {
    const { err, bound } = entryError(A, B, C, N, K, i, j);
    if (!(err <= bound)) return `C[${i}, ${j}] of ${M}×${N}×${K} off by ${err.toExponential(2)} (bound ${bound.toExponential(2)})`;
  }
  return null;
}

console.log(`${'candidate'.padEnd(34)} ${sizes.map((n) => `${n}³ ms`.padStart(11) + ' TFLOP/s').join(' ')}`);
for (const [name, make] of Object.entries(CANDIDATES).filter(([n]) => only.test(n))) {
  let k;
  try {
    const c = make();
    device.pushErrorScope('validation');
    const module = device.createShaderModule({ code: c.code });
    const compile = (constants) => device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main', constants } });
    const pipeline = c.consts ? compile({ SM: 4, SN: 4, SK: 4 }) : compile(c.overrides ?? {});
    const e = await device.popErrorScope();
    if (e) throw new Error(e.message);
    k = { ...c, pipeline, compile };
  } catch (e) {
    console.log(`${name.padEnd(34)} does not compile: ${String(e.message ?? e).split('\n').slice(0, 4).join(' | ')}`);
    continue;
  }
  const small = k.needs4 ? [200, 260, 204] : [201, 259, 203];
  const wrong = (await check(k, ...small, 'all')) ?? (await check(k, sizes[0], sizes[0], sizes[0], 24));
  if (wrong || deviceError) { console.log(`${name.padEnd(34)} WRONG: ${wrong ?? deviceError}`); deviceError = null; continue; }
  const cols = [];
  for (const n of sizes) {
    const s = setup(k, n, n, n, rand(n * n, 1), rand(n * n, 2));
    await run(k, s, 2);
    let reps = 4, ms;
    for (;;) {
      const t0 = performance.now();
      await run(k, s, reps);
      const el = performance.now() - t0;
      if (el >= seconds * 1000 || reps >= 4096) { ms = el / reps; break; }
      reps = Math.min(4096, Math.ceil(reps * Math.max(2, (1.2 * seconds * 1000) / Math.max(el, 1))));
    }
    s.destroy();
    cols.push(`${ms.toFixed(3).padStart(11)} ${((2 * n ** 3) / ms / 1e9).toFixed(1).padStart(7)}`);
  }
  console.log(`${name.padEnd(34)} ${cols.join(' ')}`);
}
device.destroy();
