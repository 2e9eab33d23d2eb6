import { useMemo } from "preact/hooks";
import { api } from "../api.js";
import { LineChart } from "../chart.js";
import { Absent, ErrorNote, Section, TableHead, percent } from "../format.js";
import { useLoad } from "../hooks.js";
import type { NodeStatus, OrgReputation } from "../types.js";

type Row = OrgReputation & { epoch: number };
interface HistoryRow {
  epoch: number;
  org: string;
  reputation: number;
}

/** Producers ranked by their reputation on chain now, and its history epoch by epoch. */
export function ReputationView() {
  const status = useLoad((signal) => api<NodeStatus>("/status", { signal }), []);
  const board = useLoad((signal) => api<{ reputation: Row[] }>("/reputation", { signal }), [], 10_000);
  const history = useLoad((signal) => api<{ history: HistoryRow[] }>("/reputation/history?epochs=100", { signal }), [], 30_000);
  const ranked = useMemo(() => [...(board.data?.reputation ?? [])].sort((a, b) => b.reputation - a.reputation || a.org.localeCompare(b.org)), [board.data]);
  const chart = useMemo(() => {
    const rows = history.data?.history ?? [];
    const epochs = [...new Set(rows.map((r) => r.epoch))].sort((a, b) => a - b);
    const orgs = [...new Set(rows.map((r) => r.org))].sort();
    const at = new Map(rows.map((r) => [`${r.org}@${r.epoch}`, r.reputation]));
    return { x: epochs, series: orgs.map((org) => ({ label: org, values: epochs.map((e) => at.get(`${org}@${e}`) ?? null) })) };
  }, [history.data]);

  if (status.data && !status.data.epoch) return <Absent>This node has no Reputation contract configured (chain.reputationAddress): there is no reputation to show.</Absent>;
  return (
    <div class="view">
      <ErrorNote error={board.error ?? history.error} />
      <Section title={`Leaderboard${ranked[0] ? `, epoch ${ranked[0].epoch}` : ""}`}>
        {ranked.length === 0 ? (
          <Absent>No reputation on chain yet.</Absent>
        ) : (
          <table data-testid="leaderboard">
            <TableHead columns={["#", "producer", "reputation", "confirmations (weighted)", "false positives (weighted)"]} />
            <tbody>
              {ranked.map((r, i) => (
                <tr key={r.org} data-org={r.org}>
                  <td>{i + 1}</td>
                  <td>{r.org}</td>
                  <td class="num">
                    <span class="bar" style={{ width: `${Math.round(r.reputation * 100)}px` }} /> {percent(r.reputation)}
                  </td>
                  <td class="num">{r.positive.toFixed(2)}</td>
                  <td class="num">{r.negative.toFixed(2)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
      <Section title="History">
        {chart.x.length === 0 ? (
          <Absent>No epoch has closed with a report yet.</Absent>
        ) : (
          <LineChart x={chart.x} series={chart.series} time={false} yRange={[0, 1]} testId="reputation-chart" xLabel="epoch" yLabel="reputation" />
        )}
      </Section>
    </div>
  );
}
