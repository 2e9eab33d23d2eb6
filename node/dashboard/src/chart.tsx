import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export interface Series {
  label: string;
  values: Array<number | null>;
}

const PALETTE = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777", "#4b5563", "#65a30d"];

/**
 * A line chart (uPlot, bundled): `x` shared by every series. `time` draws x as dates (Unix
 * seconds); otherwise as plain numbers (epochs).
 */
export function LineChart(props: { x: number[]; series: Series[]; time: boolean; yRange?: [number, number]; height?: number; testId?: string; xLabel?: string; yLabel?: string }) {
  const target = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = target.current;
    if (!element) return;
    const plot = new uPlot(
      {
        width: Math.max(320, element.clientWidth || 640),
        height: props.height ?? 240,
        scales: { x: { time: props.time }, y: props.yRange ? { range: props.yRange } : {} },
        // Epochs are whole numbers: no tick between two of them.
        axes: [{ label: props.xLabel, ...(props.time ? {} : { incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] }) }, { label: props.yLabel }],
        series: [{}, ...props.series.map((s, i) => ({ label: s.label, stroke: PALETTE[i % PALETTE.length], width: 2, points: { show: props.x.length < 40 } }))],
      },
      [props.x, ...props.series.map((s) => s.values)] as uPlot.AlignedData,
      element,
    );
    const resize = () => plot.setSize({ width: Math.max(320, element.clientWidth), height: props.height ?? 240 });
    window.addEventListener("resize", resize);
    return () => {
      window.removeEventListener("resize", resize);
      plot.destroy();
    };
  }, [props.x, props.series, props.time]);
  return <div class="chart" data-testid={props.testId} ref={target} />;
}
