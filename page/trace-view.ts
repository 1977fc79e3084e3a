/**
 * The kernel-by-kernel view of one traced step: the dispatches in order; for the selected one,
 * its WGSL source (highlighted by Prism), the shapes bound to it, its grid and what it wrote,
 * before and after. Where a dispatch makes a hidden layer's error signal, the source lines that
 * pick the matrix this rule sends the error back through (where FA departs from BP) are marked.
 */
import Prism from 'prismjs';
import 'prismjs/components/prism-wgsl';
import 'prismjs/themes/prism.css';
import { SHADERS, type TraceEntry } from '../src/index.js';

/**
 * Whether a signal's dispatch reads Wᵀ (backprop): hidden_signal's and softmax_cross_entropy's
 * TRANSPOSED, matmul_lanes's main_signal's TRANS_B.
 */
const readsWT = (e: TraceEntry) => Boolean(e.shader === 'matmul_lanes' ? e.constants.TRANS_B : e.constants.TRANSPOSED);

/**
 * The source lines that pick the matrix the error goes back through, for the branch the
 * dispatch's override constants select (hidden_signal.wgsl's and softmax_cross_entropy.wgsl's
 * `feedback`, and hidden_signal's header line for that rule family; matmul_lanes.wgsl's
 * reading of B as stored or transposed, and its header line).
 */
function pickLines(e: TraceEntry): RegExp[] {
  if (e.shader === 'matmul_lanes') {
    return readsWT(e)
      ? [/^ +rb0 = n0 \* sizes\.K; rb1 = n1 \* sizes\.K; stepB = 1u;$/, /^\/\/ +BP: +F\(c, j\) = /]
      : [/^ +rb0 = n0; rb1 = n1; stepB = sizes\.N;$/, /^\/\/ +FA, KP, DFA: F\(c, j\) = /];
  }
  if (e.constants.TRANSPOSED) return [/v = f\[j \* sizes\.classes \+ c\];/, /^\/\/ +BP: +F\(c, j\) = /];
  if (e.constants.SIGN_CONCORDANT) return [/\* sign\(w\[/, /\(SIGN_CONCORDANT\): F\(c, j\) = /];
  return [/v = f\[c \* sizes\.(hidden|inputs) \+ j\];/, /FA, KP, DFA: F\(c, j\) = /];
}

/** Whether a dispatch makes a hidden layer's error signal (hidden_signal, or the fused output layer's `output_signal`). */
const makesSignal = (e: TraceEntry) => /\.backward\.signal(\.partial)?$/.test(e.label);

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function preview(v: ArrayLike<number> | null): string {
  if (!v) return '(too large to show)';
  const head = Array.from({ length: Math.min(8, v.length) }, (_, i) => (Number.isInteger(v[i]) ? String(v[i]) : v[i].toPrecision(4)));
  let sq = 0;
  for (let i = 0; i < v.length; i++) sq += v[i] * v[i];
  return `[${head.join(', ')}${v.length > 8 ? ', …' : ''}]  (${v.length} values, ‖·‖ = ${Math.sqrt(sq).toPrecision(4)})`;
}

export function showTrace(list: HTMLOListElement, detail: HTMLElement, entries: TraceEntry[], rule: string): void {
  list.replaceChildren();
  const select = (i: number) => {
    [...list.children].forEach((li, k) => {
      li.classList.toggle('selected', k === i);
      if (k === i) li.setAttribute('aria-current', 'true');
      else li.removeAttribute('aria-current');
    });
    detail.replaceChildren(renderDetail(entries[i], rule));
  };
  entries.forEach((e, i) => {
    const li = document.createElement('li');
    li.textContent = `${e.label}  (${e.shader}.wgsl, ${e.workgroups.join('×')} workgroups${e.ms === null ? '' : `, ${formatMs(e.ms)} on the GPU`})`;
    // Where FA and its kin depart from backprop; in backprop's own step, the place they would.
    if (makesSignal(e)) li.classList.add(readsWT(e) ? 'signal' : 'departs');
    // Reachable from the keyboard: Tab to an item, Enter or Space shows it.
    li.tabIndex = 0;
    li.setAttribute('role', 'button');
    li.addEventListener('click', () => select(i));
    li.addEventListener('keydown', (k) => {
      if (k.key !== 'Enter' && k.key !== ' ') return;
      k.preventDefault();
      select(i);
    });
    list.append(li);
  });
  const first = entries.findIndex(makesSignal);
  select(first >= 0 ? first : 0);
}

/** GPU time as the timestamps give it (browsers may round them to 0.1 ms). */
function formatMs(ms: number): string {
  return ms >= 1 ? `${ms.toFixed(1)} ms` : ms >= 0.01 ? `${ms.toFixed(3)} ms` : `${(1000 * ms).toFixed(1)} µs`;
}

function renderDetail(e: TraceEntry, rule: string): HTMLElement {
  const box = document.createElement('div');
  const constants = Object.entries(e.constants).map(([k, v]) => `${k} = ${v}`).join(', ') || 'none';
  const head = document.createElement('div');
  head.innerHTML = `<h3>${escapeHtml(e.label)}</h3>
    <p class="muted">shaders/${e.shader}.wgsl, entry point <code>${e.entryPoint}</code>; override constants: ${escapeHtml(constants)}; grid ${e.workgroups.join('×')} workgroups${e.ms === null ? '' : `; ${formatMs(e.ms)} on the GPU (timestamp query)`}</p>`;
  if (makesSignal(e)) {
    const note = document.createElement('p');
    const r = escapeHtml(rule);
    note.innerHTML = readsWT(e)
      ? `<strong>Here backprop sends the error back through Wᵀ</strong> (<code>${e.shader === 'matmul_lanes' ? 'TRANS_B' : 'TRANSPOSED'}</code>, the marked lines); feedback alignment would use a fixed random B instead.`
      : e.constants.SIGN_CONCORDANT
        ? `<strong>Here ${r} departs from backprop:</strong> the error goes back through M ⊙ sign(Wᵀ): Wᵀ's signs, but magnitudes M of the rule's own (marked lines), not Wᵀ's.`
        : `<strong>Here ${r} departs from backprop:</strong> the error goes back through the rule's feedback matrix (${rule === 'kp' ? 'B, trained with dWᵀ' : rule === 'dfa' ? 'D, fixed and random, straight from the output error' : 'B, fixed and random'}), not Wᵀ (marked lines).`;
    head.append(note);
  }
  const stepped = e.bindings.filter((b) => / \(stepped\)$/.test(b)).map((b) => b.replace(/^group 1, binding \d+: (\S+).*$/, '$1'));
  if (stepped.length) {
    const note = document.createElement('p');
    const tensors = stepped.map((t) => `<code>${escapeHtml(t)}</code>`).join(' and ');
    note.innerHTML = e.shader === 'sgd'
      ? `<strong>This launch is the update</strong> of ${tensors}: it reads a gradient made by an earlier launch and takes the SGD step with it (<code>stepped</code>: momentum and weight decay), the optimizer's settings and the tensor in bind group 1.`
      : `<strong>This launch is also the update:</strong> the threads that finish a gradient value store it and at once take the SGD step of ${tensors} with it (<code>stepped</code>: momentum and weight decay), reading the optimizer's settings and the tensor from bind group 1. No separate update pass reads the gradient back.`;
    head.append(note);
  }
  const bindings = document.createElement('ul');
  bindings.className = 'values';
  e.bindings.forEach((b) => {
    const li = document.createElement('li');
    li.textContent = b;
    bindings.append(li);
  });
  const outputs = document.createElement('div');
  outputs.className = 'values';
  for (const o of e.outputs) {
    const p = document.createElement('p');
    p.textContent = `${o.binding}\n  before ${preview(o.before)}\n  after  ${preview(o.after)}`;
    p.style.whiteSpace = 'pre-wrap';
    outputs.append(p);
  }
  const source = SHADERS[e.shader];
  const highlighted = Prism.highlight(source, Prism.languages.wgsl, 'wgsl').split('\n');
  const pre = document.createElement('pre');
  pre.className = 'language-wgsl';
  const code = document.createElement('code');
  code.className = 'language-wgsl';
  const marked = makesSignal(e) ? pickLines(e) : [];
  code.innerHTML = source.split('\n').map((line, i) => (marked.some((m) => m.test(line)) ? `<span class="line-departs">${highlighted[i]}</span>` : highlighted[i])).join('\n');
  pre.append(code);
  const h = (t: string) => Object.assign(document.createElement('h3'), { textContent: t });
  box.append(head, h('Bound buffers'), bindings, h('Written by this dispatch'), outputs, h('Source'), pre);
  return box;
}
