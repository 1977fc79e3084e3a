/** Live line charts (uPlot): one x axis of steps, a series per rule and quantity. */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface SeriesSpec {
  label: string;
  stroke: string;
  dash?: number[];
}

export class LiveChart {
  private readonly plot: uPlot;
  private readonly data: number[][];
  private readonly resize: ResizeObserver;

  constructor(host: HTMLElement, series: SeriesSpec[], yLabel: string) {
    this.data = [[], ...series.map(() => [])];
    const width = Math.max(160, host.clientWidth || 320);
    this.plot = new uPlot({
      width,
      height: 200,
      scales: { x: { time: false } },
      axes: [{ label: 'step' }, { label: yLabel, size: 56 }],
      series: [{ label: 'step' }, ...series.map((s) => ({ label: s.label, stroke: s.stroke, dash: s.dash, width: 1.6, spanGaps: true }))],
      legend: { live: false },
    }, this.data as uPlot.AlignedData, host);
    // uPlot draws every legend marker solid: mark the dashed series' as dashed, so that a
    // learner can tell "fa train" from "fa test" and layer 1 from layer 2.
    for (const row of this.plot.root.querySelectorAll<HTMLElement>('.u-legend .u-series')) {
      const spec = series.find((s) => s.label === row.querySelector('.u-label')?.textContent);
      const marker = row.querySelector<HTMLElement>('.u-marker');
      if (marker && spec?.dash) marker.style.borderStyle = 'dashed';
    }
    this.resize = new ResizeObserver(() => this.plot.setSize({ width: Math.max(160, host.clientWidth), height: 200 }));
    this.resize.observe(host);
  }

  /** Removes the chart and its resize observer (a Reset makes new ones). */
  destroy(): void {
    this.resize.disconnect();
    this.plot.destroy();
  }

  /** Adds a point per series at step x (null leaves a gap). */
  push(x: number, values: (number | null)[]): void {
    this.data[0].push(x);
    values.forEach((v, i) => this.data[i + 1].push(v as number));
    this.plot.setData(this.data as uPlot.AlignedData);
  }

  clear(): void {
    for (const d of this.data) d.length = 0;
    this.plot.setData(this.data as uPlot.AlignedData);
  }
}
