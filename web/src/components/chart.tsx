/**
 * One small wrapper around uPlot: created on mount, resized with its container, destroyed
 * on unmount. A canvas says nothing to a screen reader, so every chart names itself
 * (`aria-label` on the canvas) and carries its data as a table — visible, or folded in a
 * <details>. uPlot is imported when the first chart mounts, so it stays out of the initial
 * bundle; where it cannot draw (no canvas, as in jsdom), the table is still there.
 */
import 'uplot/dist/uPlot.min.css';
import { type ReactNode, useEffect, useRef, useState } from 'react';
import type uPlot from 'uplot';
import './chart.css';
import { TableWrap } from './table-wrap';

export interface ChartSeries {
  label: string;
  values: number[];
  /** CSS colour; defaults follow the series order. */
  color?: string;
}

export interface ChartProps {
  /** What the chart shows, said in a sentence: the canvas's accessible name. */
  label: string;
  /** One category or date per point (dates as YYYY-MM-DD with `time`). */
  categories: string[];
  series: ChartSeries[];
  /** `bars` for categories, `line` for a series over time. */
  kind?: 'bars' | 'line';
  /** Categories are days (YYYY-MM-DD): the x axis is a time axis. */
  time?: boolean;
  height?: number;
  /** The first column's heading in the table. */
  categoryHeading: string;
  /** How a value reads in the table (default: the number with thousands separators). */
  format?: (v: number) => string;
  /** How a category reads in the table and the axis. */
  categoryLabel?: (c: string) => string;
  /** A shorter label for the x axis (default: `categoryLabel`). */
  axisLabel?: (c: string) => string;
  /** Show the table open beside the chart, rather than folded in a <details>. */
  tableOpen?: boolean;
  /** Extra cells per row after the series (say, a share), with their heading. */
  extraColumns?: { heading: string; cell: (index: number) => ReactNode }[];
}

export const SERIES_COLORS = ['#3a4fd6', '#c2410c', '#1e6b3a', '#7c3aed', '#0e7490'];

const plain = (v: number) => v.toLocaleString('en-US');

export function Chart(props: ChartProps) {
  const { categories, height = 220 } = props;
  const box = useRef<HTMLDivElement>(null);
  const [failed, setFailed] = useState(false);
  const empty = categories.length === 0;
  // The effect reads the newest props; it reruns only when what is drawn changes.
  const latest = useRef(props);
  latest.current = props;
  const drawn = digest(props);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `drawn` is a digest of the props the chart draws
  useEffect(() => {
    const p = latest.current;
    const el = box.current;
    if (!el || empty) return;
    let plot: uPlot | null = null;
    let observer: ResizeObserver | null = null;
    let gone = false;
    import('uplot')
      .then(({ default: UPlot }) => {
        if (gone) return;
        plot = new UPlot(optionsFor(UPlot, p, el.clientWidth || 600, height), dataOf(p), el);
        const canvas = plot.root.querySelector('canvas');
        canvas?.setAttribute('role', 'img');
        canvas?.setAttribute('aria-label', p.label);
        observer = new ResizeObserver(() => {
          if (plot && el.clientWidth > 0) plot.setSize({ width: el.clientWidth, height });
        });
        observer.observe(el);
      })
      .catch(() => {
        // No canvas here (or uPlot failed to load): the table below carries the data.
        if (!gone) setFailed(true);
      });
    return () => {
      gone = true;
      observer?.disconnect();
      plot?.destroy();
    };
  }, [drawn, height, empty]);

  return (
    <figure className="chart">
      {empty ? (
        <p className="chart-empty">No usage in this range.</p>
      ) : (
        <div
          ref={box}
          className="chart-canvas"
          data-testid="chart-canvas"
          data-failed={failed || undefined}
        />
      )}
      <ChartTable {...props} />
    </figure>
  );
}

/** The chart's data as a table: what a screen reader, a printout or a copy-paste gets. */
export function ChartTable(props: ChartProps) {
  const { label, categories, series, categoryHeading, format = plain, categoryLabel = (c) => c } = props;
  const table = (
    <TableWrap label={`Table: ${label}`}>
      <table>
        <caption className="visually-hidden">{label}</caption>
        <thead>
          <tr>
            <th scope="col">{categoryHeading}</th>
            {series.map((s) => (
              <th key={s.label} scope="col" className="num">
                {s.label}
              </th>
            ))}
            {props.extraColumns?.map((c) => (
              <th key={c.heading} scope="col" className="num">
                {c.heading}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {categories.length === 0 ? (
            <tr>
              <td colSpan={1 + series.length + (props.extraColumns?.length ?? 0)}>No rows</td>
            </tr>
          ) : (
            categories.map((c, i) => (
              <tr key={c}>
                <th scope="row">{categoryLabel(c)}</th>
                {series.map((s) => (
                  <td key={s.label} className="num">
                    {format(s.values[i] ?? 0)}
                  </td>
                ))}
                {props.extraColumns?.map((x) => (
                  <td key={x.heading} className="num">
                    {x.cell(i)}
                  </td>
                ))}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </TableWrap>
  );
  if (props.tableOpen) return table;
  return (
    <details className="chart-table">
      <summary>Data table ({categories.length === 1 ? '1 row' : `${categories.length} rows`})</summary>
      {table}
    </details>
  );
}

function digest(p: ChartProps): string {
  return JSON.stringify([p.kind, p.time, p.label, p.categories, p.series]);
}

/** Days (YYYY-MM-DD) as uPlot's x values: seconds since the epoch, UTC midnight. */
export function dayToSeconds(day: string): number {
  return Date.parse(`${day}T00:00:00Z`) / 1000;
}

function dataOf(p: ChartProps): uPlot.AlignedData {
  const xs = p.time ? p.categories.map(dayToSeconds) : p.categories.map((_, i) => i);
  return [xs, ...p.series.map((s) => s.values)];
}

function optionsFor(UPlot: typeof uPlot, p: ChartProps, width: number, height: number): uPlot.Options {
  const bars = (p.kind ?? 'bars') === 'bars';
  const label = p.axisLabel ?? p.categoryLabel ?? ((c: string) => c);
  const n = p.series.length;
  const axisStroke = '#50565f';
  const grid = { stroke: '#e3e6eb', width: 1 };
  return {
    width,
    height,
    // Times are UTC days, as the usage report counts them.
    tzDate: (ts) => UPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    legend: { show: n > 1 },
    cursor: { drag: { x: false, y: false } },
    scales: {
      x: p.time
        ? { time: true }
        : { time: false, range: () => [-0.5, Math.max(0.5, p.categories.length - 0.5)] },
      y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] },
    },
    axes: [
      {
        stroke: axisStroke,
        grid: { show: false },
        ...(p.time
          ? {}
          : {
              splits: () => p.categories.map((_, i) => i),
              // Every k-th label when they would crowd (a phone is 390 px wide).
              values: (u: uPlot, splits: number[]) => {
                const each = u.bbox.width / devicePixelRatio / Math.max(1, splits.length);
                const k = Math.ceil(72 / Math.max(1, each));
                return splits.map((i, j) => (j % k === 0 ? truncate(label(p.categories[i] ?? '')) : ''));
              },
            }),
      },
      { stroke: axisStroke, grid, size: 50 },
    ],
    series: [
      // The legend's x value: the category's name, not its index.
      p.time
        ? {}
        : {
            label: p.categoryHeading,
            value: (_u: uPlot, v: number) => (v == null ? '–' : label(p.categories[v] ?? '')),
          },
      ...p.series.map((s, i) => {
        const color = s.color ?? SERIES_COLORS[i % SERIES_COLORS.length]!;
        return {
          label: s.label,
          stroke: color,
          fill: bars ? `${color}cc` : `${color}22`,
          width: bars ? 0 : 2,
          points: { show: !bars && p.categories.length < 40 },
          ...(bars ? { paths: barsFor(UPlot, i, n, p.categories.length) } : {}),
        } as uPlot.Series;
      }),
    ],
  };
}

/**
 * Bars; with several series, side by side in each category: series `i` of `n` starts at
 * `x − 0.4 + i·w` with width `w = 0.8 / n`, in the x scale's units (one category = 1).
 */
function barsFor(UPlot: typeof uPlot, i: number, n: number, count: number) {
  if (n === 1) return UPlot.paths.bars?.({ size: [0.7, 80] });
  const w = 0.8 / n;
  return UPlot.paths.bars?.({
    disp: {
      x0: { unit: 1, values: () => Array.from({ length: count }, (_, j) => j - 0.4 + i * w) },
      size: { unit: 1, values: () => Array.from({ length: count }, () => w) },
    },
  });
}

function truncate(s: string, max = 14): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
