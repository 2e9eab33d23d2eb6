/**
 * Response: the requests partners made and this org's decision on each (approve or decline a
 * queued one), who applied and who declined the requests this org made, and the enforcement
 * feeds with their latest changes. Names and reasons partners wrote are shown as text.
 */
import { useState } from "preact/hooks";
import { api } from "../api.js";
import { Absent, ErrorNote, Section, TableHead, dateTime } from "../format.js";
import { useLoad } from "../hooks.js";
import type { FeedChangeSummary, FeedStatus, ResponseRequest } from "../types.js";

function Decision(props: { request: ResponseRequest; now: number }) {
  const { request } = props;
  if (request.expiresAt <= props.now) return <span class="muted">expired</span>;
  if (!request.decision) return <span class="muted">—</span>;
  return (
    <span data-testid="decision" class={`decision ${request.decision.decision}`}>
      {request.decision.decision} <span class="small">({request.decision.rule === "analyst" ? `by ${request.decision.by}` : request.decision.rule})</span>
    </span>
  );
}

function Acknowledgements(props: { request: ResponseRequest }) {
  if (props.request.acknowledgements.length === 0) return <span class="muted">none yet</span>;
  return (
    <ul class="plain" data-testid="acknowledgements">
      {props.request.acknowledgements.map((a) => (
        <li key={a.org}>
          <strong>{a.org}</strong> {a.decision} <span class="small">{dateTime(a.at)}</span>
          {a.reason && <span class="small"> · {a.reason}</span>}
        </li>
      ))}
    </ul>
  );
}

export function ResponseView(props: { org: string }) {
  const [version, setVersion] = useState(0);
  const [busy, setBusy] = useState<string | undefined>(undefined);
  const [actionError, setActionError] = useState<Error | undefined>(undefined);
  const requests = useLoad((signal) => api<{ requests: ResponseRequest[] }>("/response/requests", { signal }), [version], 10_000);
  const feeds = useLoad((signal) => api<{ feeds: Array<FeedStatus & { active: boolean }> }>("/response/feeds", { signal }), [version], 15_000);
  const now = Date.now();
  const received = (requests.data?.requests ?? []).filter((r) => r.from !== props.org);
  const made = (requests.data?.requests ?? []).filter((r) => r.from === props.org);

  const decide = async (id: string, how: "approve" | "decline") => {
    setBusy(id);
    setActionError(undefined);
    try {
      await api(`/response/requests/${id}/${how}`, { method: "POST", body: {} });
      setVersion((v) => v + 1);
    } catch (err) {
      setActionError(err as Error);
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <div class="view">
      <ErrorNote error={requests.error ?? actionError} />
      <Section title="Requests from partners">
        {requests.data && received.length === 0 && <Absent>No partner has asked this org to act.</Absent>}
        {received.length > 0 && (
          <table data-testid="received-requests">
            <TableHead columns={["request", "from", "action", "values", "expires", "our decision", ""]} />
            <tbody>
              {received.map((r) => {
                const open = r.expiresAt > now;
                return (
                  <tr key={r.id} data-request={r.id}>
                    <td>
                      {r.name}
                      <div class="small">{r.description}</div>
                    </td>
                    <td>{r.from}</td>
                    <td>{r.action}</td>
                    <td class="mono small">{r.targets.map((t) => `${t.type} ${t.value}`).join(", ")}</td>
                    <td class="small">{dateTime(r.expiresAt)}</td>
                    <td>
                      <Decision request={r} now={now} />
                    </td>
                    <td>
                      {open && r.decision?.decision !== "applied" && (
                        <button disabled={busy === r.id} onClick={() => void decide(r.id, "approve")}>
                          apply
                        </button>
                      )}
                      {open && r.decision?.decision !== "declined" && (
                        <button disabled={busy === r.id} onClick={() => void decide(r.id, "decline")}>
                          decline
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Section>
      <Section title="Requests this org made">
        {requests.data && made.length === 0 && <Absent>None. Ask a group to act: cti response request --action block -t domain:c2.example --expires 48h -g 1</Absent>}
        {made.length > 0 && (
          <table data-testid="made-requests">
            <TableHead columns={["request", "group", "action", "values", "expires", "partners' decisions"]} />
            <tbody>
              {made.map((r) => (
                <tr key={r.id}>
                  <td>{r.name}</td>
                  <td class="num">{r.group}</td>
                  <td>{r.action}</td>
                  <td class="num">{r.targets.length}</td>
                  <td class="small">{r.expiresAt > now ? dateTime(r.expiresAt) : "expired"}</td>
                  <td>
                    <Acknowledgements request={r} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
      <Section title="Enforcement feeds">
        <ErrorNote error={feeds.error} />
        {feeds.data && (
          <table data-testid="enforcement-feeds">
            <TableHead columns={["feed", "kind", "entries", "version", "serial", "updated", "state", "min score", "last changes"]} />
            <tbody>
              {feeds.data.feeds.map((f) => (
                <FeedRow key={f.name} feed={f} version={version} />
              ))}
            </tbody>
          </table>
        )}
      </Section>
    </div>
  );
}

function FeedRow(props: { feed: FeedStatus & { active: boolean }; version: number }) {
  const { feed } = props;
  const changes = useLoad((signal) => api<{ changes: FeedChangeSummary[] }>(`/response/feeds/${feed.name}/changes?limit=3`, { signal }), [feed.version, props.version]);
  return (
    <tr>
      <td>{feed.name}</td>
      <td>{feed.kind}</td>
      <td class="num">{feed.entries}</td>
      <td class="num">{feed.version}</td>
      <td class="num mono">{feed.serial}</td>
      <td class="small">{dateTime(feed.updatedAt)}</td>
      <td>
        {feed.pinned ? (
          <span title={`by ${feed.pinned.by}`}>held at version {feed.pinned.version}</span>
        ) : feed.active ? (
          "follows the store"
        ) : (
          <span title="no directory and not pulled lately: brought up to date when a device or an operator reads it, or a request is decided">updated when read</span>
        )}
      </td>
      <td class="num">{feed.policy.minScore}</td>
      <td class="small">
        {(changes.data?.changes ?? []).map((c) => (
          <div key={c.version}>
            v{c.version} {c.cause}: +{c.addedCount} −{c.removedCount} · {dateTime(c.at)}
          </div>
        ))}
      </td>
    </tr>
  );
}
