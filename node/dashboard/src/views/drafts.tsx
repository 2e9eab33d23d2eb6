/**
 * Drafts of reports read from prose (cti import report): the list, and a review page where an
 * analyst accepts or rejects each item before publishing. What reports say (sentences, names,
 * titles) is shown as text, never as HTML: a report is someone else's writing.
 */
import { useState } from "preact/hooks";
import { api } from "../api.js";
import { Absent, ErrorNote, TableHead, dateTime } from "../format.js";
import { useLoad } from "../hooks.js";
import type { Draft, DraftDecision, DraftItem, DraftSummary } from "../types.js";

const TLPS = ["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"];

export function DraftsView(props: { open: (id: string) => void }) {
  const list = useLoad((signal) => api<{ drafts: DraftSummary[] }>("/drafts", { signal }), []);
  const rows = list.data?.drafts ?? [];
  return (
    <div class="view">
      <ErrorNote error={list.error} />
      {list.data && rows.length === 0 && <Absent>No draft. Read a report into one: cti import report advisory.pdf</Absent>}
      {rows.length > 0 && (
        <table data-testid="drafts">
          <TableHead columns={["title", "source", "status", "items", "accepted", "passed over", "read"]} />
          <tbody>
            {rows.map((d) => (
              <tr key={d.id} class="clickable" onClick={() => props.open(d.id)}>
                <td>
                  <a href={`#/draft/${d.id}`}>{d.title}</a>
                </td>
                <td class="small">{d.source}</td>
                <td>{d.status}</td>
                <td class="num">{d.items}</td>
                <td class="num">{d.accepted}</td>
                <td class="num">{d.passedOver}</td>
                <td class="small">{dateTime(d.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function what(item: DraftItem): string {
  if (item.kind === "observable") return `${item.type} ${item.value}`;
  if (item.kind === "entity") return `${item.type} ${item.name}${item.attackId ? ` (${item.attackId})` : ""}`;
  return `technique ${item.attackId} ${item.name}${item.found === "categorised" && item.probability !== undefined ? ` (categoriser, p ${item.probability.toFixed(2)})` : ""}`;
}

export function DraftView(props: { id: string; openObject: (id: string) => void }) {
  const [version, setVersion] = useState(0);
  const [tlp, setTlp] = useState("GREEN");
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<Error | undefined>(undefined);
  const [outcome, setOutcome] = useState<string | undefined>(undefined);
  const loaded = useLoad((signal) => api<Draft>(`/drafts/${props.id}`, { signal }), [props.id, version]);
  const draft = loaded.data;

  const act = async (work: () => Promise<unknown>) => {
    setBusy(true);
    setActionError(undefined);
    try {
      await work();
      setVersion((v) => v + 1);
    } catch (err) {
      setActionError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  const decide = (decisions: Record<string, DraftDecision>) => act(() => api(`/drafts/${props.id}`, { method: "PATCH", body: { decisions } }));
  const publish = () =>
    act(async () => {
      const result = await api<{ reportId: string; published: number; refused: unknown[] }>(`/drafts/${props.id}/publish?tlp=${encodeURIComponent(tlp)}`, { method: "POST" });
      setOutcome(`Published ${result.published} objects${result.refused.length > 0 ? `, ${result.refused.length} refused` : ""}.`);
    });

  if (loaded.error) return <ErrorNote error={loaded.error} />;
  if (!draft) return <p>Loading…</p>;
  const open = draft.status === "open";
  const pending = draft.items.filter((i) => i.decision === "pending");
  const accepted = draft.items.filter((i) => i.decision === "accepted").length;
  return (
    <div class="view">
      <h2 data-testid="draft-title">{draft.title}</h2>
      <p class="small">
        {draft.format} from {draft.source}, read {dateTime(draft.createdAt)} · <span data-testid="draft-status">{draft.status}</span> · {accepted} of {draft.items.length} accepted
        {draft.reportId && (
          <>
            {" · "}
            <a href={`#/object/${draft.reportId}`} data-testid="draft-report">
              the report
            </a>
          </>
        )}
      </p>
      <ErrorNote error={actionError} />
      {outcome && <p role="status">{outcome}</p>}
      {open && (
        <div class="actions">
          <button disabled={busy || pending.length === 0} onClick={() => decide(Object.fromEntries(pending.map((i) => [i.key, "accepted"])))}>
            accept the {pending.length} pending
          </button>
          <label>
            TLP{" "}
            <select name="tlp" value={tlp} onChange={(e) => setTlp(e.currentTarget.value)}>
              {TLPS.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          </label>
          <button data-testid="publish" disabled={busy || accepted === 0} title={accepted === 0 ? "accept at least one item first" : "publish the accepted items as a report"} onClick={publish}>
            publish {accepted} accepted
          </button>
        </div>
      )}
      {draft.items.length === 0 ? (
        <Absent>Nothing was found in this report.</Absent>
      ) : (
        <table data-testid="draft-items">
          <TableHead columns={["item", "sentence", "decision", ""]} />
          <tbody>
            {draft.items.map((item) => (
              <tr key={item.key} data-key={item.key} class={`decision-${item.decision}`}>
                <td>
                  <code>{what(item)}</code>
                  {item.kind === "observable" && item.warnings.length > 0 && <span class="small"> (warned: {item.warnings.join(", ")})</span>}
                </td>
                <td class="small">{item.sentence}</td>
                <td data-testid="decision">{item.decision}</td>
                <td>
                  {open && (
                    <>
                      <button disabled={busy || item.decision === "accepted"} onClick={() => decide({ [item.key]: "accepted" })}>
                        accept
                      </button>{" "}
                      <button disabled={busy || item.decision === "rejected"} onClick={() => decide({ [item.key]: "rejected" })}>
                        reject
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {draft.passedOver.length > 0 && (
        <details>
          <summary>{draft.passedOver.length} values passed over</summary>
          <ul class="small" data-testid="passed-over">
            {draft.passedOver.map((p) => (
              <li key={`${p.type} ${p.value}`}>
                <code>{`${p.type} ${p.value}`}</code>: {p.reason}
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}
