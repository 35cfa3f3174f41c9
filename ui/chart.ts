// The per-priority alert counts over time (GET /api/counts), drawn with uPlot: one line per
// priority, x in seconds since the epoch as uPlot expects.
import { html } from 'htm/preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { PRIORITIES, type Counts } from './api.js';

const PRIORITY_COLOURS: Record<string, string> = {
  Emergency: '#7f0000', Alert: '#b71c1c', Critical: '#d32f2f', Error: '#f4511e', Warning: '#f9a825',
  Notice: '#1e88e5', Informational: '#43a047', Debug: '#9e9e9e',
};

function chartData(c: Counts): uPlot.AlignedData {
  const n = c.series[PRIORITIES[0]]?.length ?? 0;
  const xs = Array.from({ length: n }, (_, i) => c.start / 1000 + i * c.step);
  return [xs, ...PRIORITIES.map((p) => c.series[p] ?? new Array<number>(n).fill(0))];
}

export function CountsChart({ counts }: { counts: Counts | undefined }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  useEffect(() => {
    if (!box.current) return undefined;
    const opts: uPlot.Options = {
      width: Math.max(box.current.clientWidth, 300), height: 160,
      scales: { x: { time: true } },
      series: [{}, ...PRIORITIES.map((p) => ({ label: p, stroke: PRIORITY_COLOURS[p], width: 2 }))],
      axes: [{}, { label: 'alerts', size: 50 }],
    };
    plot.current = new uPlot(opts, [[], ...PRIORITIES.map(() => [])], box.current);
    const onResize = () => plot.current?.setSize({ width: Math.max(box.current?.clientWidth ?? 300, 300), height: 160 });
    window.addEventListener('resize', onResize);
    return () => {
      window.removeEventListener('resize', onResize);
      plot.current?.destroy();
      plot.current = null;
    };
  }, []);
  useEffect(() => {
    if (counts && plot.current) plot.current.setData(chartData(counts));
  }, [counts]);
  const totals = counts ? PRIORITIES.map((p) => [p, (counts.series[p] ?? []).reduce((a, b) => a + b, 0)] as const).filter(([, n]) => n > 0) : [];
  return html`<section class="chart">
    <h2>Alerts per priority, last 5 minutes</h2>
    <div ref=${box} data-testid="counts-chart"></div>
    <p class="totals" data-testid="counts-totals">${totals.length === 0 ? 'no alerts' : totals.map(([p, n]) => html`<span class=${`prio prio-${p}`}>${p}: ${n}</span> `)}</p>
  </section>`;
}
