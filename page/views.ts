/** Canvas drawings of the page: decision boundaries, image grids, matrix heatmaps. DOM only. */

/**
 * Class colours (ColorBrewer's Dark2, then two more): none of them the rules' blue and red
 * (COLORS in main.ts) or the heatmaps' blue and red for sign, so that one colour means one thing.
 */
export const CLASS_COLORS: [number, number, number][] = [
  [27, 158, 119], [217, 95, 2], [117, 112, 179], [231, 41, 138], [102, 166, 30], [230, 171, 2], [166, 118, 29], [102, 102, 102], [23, 190, 207], [188, 189, 34],
];

/** The square region shown for 2-D data: the points' bounding box with a margin. */
export function extent(x: ArrayLike<number>): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < x.length; i++) { lo = Math.min(lo, x[i]); hi = Math.max(hi, x[i]); }
  const pad = 0.1 * (hi - lo || 1);
  return [lo - pad, hi + pad];
}

/** Grid points (row-major, y from top) covering [lo, hi]², as x [g²×2]. */
export function gridPoints(g: number, [lo, hi]: [number, number]): Float32Array {
  const x = new Float32Array(2 * g * g);
  for (let r = 0; r < g; r++) {
    for (let c = 0; c < g; c++) {
      const i = r * g + c;
      x[2 * i] = lo + ((c + 0.5) / g) * (hi - lo);
      x[2 * i + 1] = hi - ((r + 0.5) / g) * (hi - lo);
    }
  }
  return x;
}

/**
 * The decision regions: each grid cell coloured by its most probable class, paler where the
 * network is less sure; the data points on top in their class colour.
 */
export function drawBoundary(canvas: HTMLCanvasElement, probs: Float64Array, classes: number, g: number, range: [number, number], points: ArrayLike<number>, labels: ArrayLike<number>): void {
  const size = canvas.width;
  const ctx = canvas.getContext('2d')!;
  const image = ctx.createImageData(g, g);
  for (let i = 0; i < g * g; i++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (probs[i * classes + k] > probs[i * classes + best]) best = k;
    const p = probs[i * classes + best];
    const strength = classes > 1 ? (p - 1 / classes) / (1 - 1 / classes) : 1;
    const [r, gg, b] = CLASS_COLORS[best % CLASS_COLORS.length];
    const mix = (v: number) => Math.round(255 - (255 - v) * (0.15 + 0.45 * strength));
    image.data.set([mix(r), mix(gg), mix(b), 255], 4 * i);
  }
  const tmp = document.createElement('canvas');
  tmp.width = g;
  tmp.height = g;
  tmp.getContext('2d')!.putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(tmp, 0, 0, size, size);
  const [lo, hi] = range;
  for (let i = 0; i < labels.length; i++) {
    const px = ((points[2 * i] - lo) / (hi - lo)) * size;
    const py = ((hi - points[2 * i + 1]) / (hi - lo)) * size;
    const [r, gg, b] = CLASS_COLORS[labels[i] % CLASS_COLORS.length];
    ctx.beginPath();
    ctx.arc(px, py, 3, 0, 2 * Math.PI);
    ctx.fillStyle = `rgb(${r},${gg},${b})`;
    ctx.fill();
    ctx.lineWidth = 1;
    ctx.strokeStyle = 'white';
    ctx.stroke();
  }
}

/** Test images in a grid, each with its predicted class; mistakes framed in red. */
export function drawImages(canvas: HTMLCanvasElement, pixels: ArrayLike<number>, scale: number, count: number, side: number, predicted: ArrayLike<number>, labels: ArrayLike<number>, names: readonly string[]): void {
  const cols = 6, cell = 56, text = 14;
  canvas.width = cols * cell;
  canvas.height = Math.ceil(count / cols) * (cell + text);
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = 'white';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  const tmp = document.createElement('canvas');
  tmp.width = side;
  tmp.height = side;
  const tctx = tmp.getContext('2d')!;
  for (let i = 0; i < count; i++) {
    const image = tctx.createImageData(side, side);
    for (let p = 0; p < side * side; p++) {
      const v = 255 - Math.max(0, Math.min(255, Math.round(pixels[i * side * side + p] * scale)));
      image.data.set([v, v, v, 255], 4 * p);
    }
    tctx.putImageData(image, 0, 0);
    const x = (i % cols) * cell, y = Math.floor(i / cols) * (cell + text);
    ctx.drawImage(tmp, x + 4, y + 2, cell - 8, cell - 8);
    const wrong = predicted[i] !== labels[i];
    if (wrong) {
      ctx.strokeStyle = '#d62728';
      ctx.lineWidth = 2;
      ctx.strokeRect(x + 3, y + 1, cell - 6, cell - 6);
    }
    ctx.fillStyle = wrong ? '#d62728' : '#1b1d21';
    ctx.font = '10px sans-serif';
    const name = (c: number) => names[c] ?? String(c);
    // a mistake: the predicted class, then the true one
    ctx.fillText(wrong ? `${name(predicted[i])} / ${name(labels[i])}` : name(predicted[i]), x + 4, y + cell + 6, cell - 6);
  }
}

/**
 * A confusion matrix [classes×classes] (true class by row, predicted by column, counts): each
 * cell shaded by its share of its row, the diagonal in blue and the mistakes in red, with the
 * count where the cell has room and the class names along the edges where there are few.
 */
export function drawConfusion(canvas: HTMLCanvasElement, counts: ArrayLike<number>, classes: number, names: readonly string[]): void {
  const labelled = classes <= 12;
  const margin = labelled ? 72 : 16, side = 320;
  canvas.width = canvas.height = side;
  const cell = (side - margin - 4) / classes;
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = 'white';
  ctx.fillRect(0, 0, side, side);
  ctx.font = '10px sans-serif';
  for (let t = 0; t < classes; t++) {
    let total = 0;
    for (let p = 0; p < classes; p++) total += counts[t * classes + p];
    for (let p = 0; p < classes; p++) {
      const n = counts[t * classes + p];
      const share = total ? n / total : 0;
      const tint = Math.round(255 * (1 - share));
      ctx.fillStyle = t === p ? `rgb(${tint},${Math.round(255 - share * 136)},255)` : `rgb(255,${tint},${tint})`;
      const x = margin + p * cell, y = margin + t * cell;
      ctx.fillRect(x, y, cell - 1, cell - 1);
      if (cell >= 18) {
        ctx.fillStyle = share > 0.6 ? 'white' : '#1b1d21';
        ctx.textAlign = 'center';
        ctx.fillText(String(n), x + cell / 2, y + cell / 2 + 3, cell - 2);
      }
    }
  }
  ctx.fillStyle = '#1b1d21';
  ctx.textAlign = 'left';
  ctx.fillText('true ↓  predicted →', 2, 10);
  if (labelled) {
    const name = (c: number) => names[c] ?? String(c);
    ctx.textAlign = 'right';
    for (let t = 0; t < classes; t++) ctx.fillText(name(t), margin - 4, margin + t * cell + cell / 2 + 3, margin - 6);
    ctx.save();
    ctx.textAlign = 'left';
    for (let p = 0; p < classes; p++) {
      ctx.setTransform(1, 0, 0, 1, margin + p * cell + cell / 2 + 3, margin - 4);
      ctx.rotate(-Math.PI / 2);
      ctx.fillText(name(p), 0, 0, margin - 16);
    }
    ctx.restore();
  }
}

/** The largest |value| over the matrices (a tiny floor, so that all zeros draw white): a heatmap's full-colour scale. */
export function maxAbs(...ms: ArrayLike<number>[]): number {
  let max = 1e-12;
  for (const m of ms) for (let i = 0; i < m.length; i++) max = Math.max(max, Math.abs(m[i]));
  return max;
}

/** A matrix [rows×cols] as a heatmap: blue negative, red positive, scaled to its max |value|. */
export function drawHeatmap(canvas: HTMLCanvasElement, m: ArrayLike<number>, rows: number, cols: number, maxSide = 144, scale?: number): void {
  canvas.width = cols;
  canvas.height = rows;
  // Square cells, the longer side at most maxSide CSS pixels.
  const cell = Math.max(1, Math.floor(maxSide / Math.max(rows, cols)));
  canvas.style.width = `${cols * cell}px`;
  canvas.style.height = `${rows * cell}px`;
  const ctx = canvas.getContext('2d')!;
  const image = ctx.createImageData(cols, rows);
  // |value| at full colour: the matrix's own largest unless a shared scale is given
  const max = scale ?? maxAbs(m);
  for (let i = 0; i < rows * cols; i++) {
    const t = m[i] / max;
    const w = Math.round(255 * (1 - Math.abs(t)));
    image.data.set(t >= 0 ? [255, w, w, 255] : [w, w, 255, 255], 4 * i);
  }
  ctx.putImageData(image, 0, 0);
}
