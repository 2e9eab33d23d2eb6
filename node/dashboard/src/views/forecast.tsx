import { useMemo, useState } from "preact/hooks";
import { api } from "../api.js";
import { LineChart } from "../chart.js";
import { Absent, ErrorNote, Section, TableHead, percent } from "../format.js";
import { useLoad } from "../hooks.js";
import type { EarlyWarningBacktest, Insufficient, VolumeAnswer, VolumeBacktest, WatchList } from "../types.js";

type Watch = WatchList;
type Volume = VolumeAnswer;
interface Backtest {
  status: "ok";
  earlyWarning: EarlyWarningBacktest[];
  volume: VolumeBacktest[];
}

const CATEGORIES = ["malware", "technique", "rsit", "sector"] as const;
const DAY_S = 86_400;

/** Early warning for this org, volume forecasts with their intervals, and the latest backtest beside them. */
export function ForecastView(props: { openIndicator: (id: string) => void }) {
  const [by, setBy] = useState<(typeof CATEGORIES)[number]>("malware");
  const [category, setCategory] = useState<string | undefined>(undefined);
  const watch = useLoad((signal) => api<Watch | Insufficient>("/forecast/watch?limit=30", { signal }), [], 60_000);
  const volume = useLoad((signal) => api<Volume | Insufficient>(`/forecast/volume?by=${by}&days=14`, { signal }), [by], 60_000);
  const backtest = useLoad((signal) => api<Backtest | Insufficient>("/forecast/backtest", { signal }), [], 600_000);
  const v = volume.data?.status === "ok" ? volume.data : undefined;
  const shown = v?.series.find((s) => s.category === category) ?? v?.series[0];
  const chart = useMemo(() => {
    if (!v || !shown) return undefined;
    const start = v.from / 1000;
    const past = shown.history.length;
    const ahead = shown.forecast.mean.length;
    const x = Array.from({ length: past + ahead }, (_, i) => start + i * DAY_S);
    const pad = (values: number[], before: boolean) => (before ? [...values, ...Array<null>(ahead).fill(null)] : [...Array<null>(past - 1).fill(null), shown.history[past - 1]!, ...values]);
    return {
      x,
      series: [
        { label: "sightings", values: pad(shown.history, true) },
        { label: `forecast (${shown.forecast.method})`, values: pad(shown.forecast.mean, false).slice(0, past + ahead) },
        { label: "80% low", values: pad(shown.forecast.lower, false).slice(0, past + ahead) },
        { label: "80% high", values: pad(shown.forecast.upper, false).slice(0, past + ahead) },
      ],
    };
  }, [v, shown?.category]);

  return (
    <div class="view">
      <Section title="Early warning: what is likeliest to reach us">
        <ErrorNote error={watch.error} />
        {watch.data?.status === "insufficient-history" && (
          <div data-testid="watch-insufficient">
            <Absent>{watch.data.message}</Absent>
          </div>
        )}
        {watch.data?.status === "ok" &&
          (watch.data.items.length === 0 ? (
            <Absent>Nothing partners sighted in the last 14 days is missing here.</Absent>
          ) : (
            <table data-testid="watch">
              <TableHead columns={["what", "kind", "within 24 h", "within 7 days", "why"]} />
              <tbody>
                {watch.data.items.map((item) => (
                  <tr key={item.key} class={item.kind === "indicator" ? "clickable" : ""} onClick={() => item.kind === "indicator" && props.openIndicator(item.key.slice("indicator:".length))}>
                    <td class="mono value">{item.value ?? item.key.slice(item.key.indexOf(":") + 1)}</td>
                    <td>{item.type ? `${item.kind} (${item.type})` : item.kind}</td>
                    <td class="num">{percent(item.probability["24h"])}</td>
                    <td class="num">{percent(item.probability["7d"])}</td>
                    <td class="small">{item.reasons.join("; ")}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ))}
      </Section>
      <Section title="Volume: sightings a day, and the next two weeks">
        <form class="filters" onSubmit={(e) => e.preventDefault()}>
          <label>
            by
            <select name="by" value={by} onChange={(e) => (setBy((e.currentTarget as HTMLSelectElement).value as (typeof CATEGORIES)[number]), setCategory(undefined))}>
              {CATEGORIES.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </label>
          {v && (
            <label>
              category
              <select name="category" value={shown?.category} onChange={(e) => setCategory((e.currentTarget as HTMLSelectElement).value)}>
                {v.series.map((s) => (
                  <option key={s.category} value={s.category}>
                    {s.category}
                  </option>
                ))}
              </select>
            </label>
          )}
        </form>
        <ErrorNote error={volume.error} />
        {volume.data?.status === "insufficient-history" && <Absent>{volume.data.message}</Absent>}
        {chart && <LineChart x={chart.x} series={chart.series} time={true} testId="volume-chart" yLabel="sightings a day" />}
      </Section>
      <Section title="How well they did (backtest on this node's history)">
        <ErrorNote error={backtest.error} />
        {backtest.data?.status === "insufficient-history" && (
          <div data-testid="backtest-insufficient">
            <Absent>{backtest.data.message}</Absent>
          </div>
        )}
        {backtest.data?.status === "ok" && (
          <table data-testid="backtest">
            <TableHead columns={["forecast", "model", "figures"]} />
            <tbody>
              {backtest.data.earlyWarning.flatMap((r) =>
                r.models.map((m) => (
                  <tr key={`${r.horizon}-${m.model}`}>
                    <td>early warning, {r.horizon}</td>
                    <td>{m.model}</td>
                    <td class="num">
                      AUC {m.auc.toFixed(3)} · Brier {m.brier.toFixed(4)}
                    </td>
                  </tr>
                )),
              )}
              {backtest.data.volume.map((r) => (
                <tr key={`volume-${r.category}`}>
                  <td>volume by {r.category}</td>
                  <td>forecast vs seasonal-naive</td>
                  <td class="num">
                    {r.origins === 0 ? "no series with enough sightings to score" : `MASE ${r.forecast.mase.toFixed(3)} vs ${r.seasonalNaive.mase.toFixed(3)} · 80% coverage ${percent(r.forecast.coverage80)}`}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
    </div>
  );
}
