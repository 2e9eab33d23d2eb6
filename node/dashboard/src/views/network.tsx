import { api } from "../api.js";
import { Absent, ErrorNote, Section, TableHead, ago, dateTime, short } from "../format.js";
import { useLoad } from "../hooks.js";
import type { IncidentClassRow, MemberRow, NodeStatus } from "../types.js";

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((n, c) => n + c, 0);

/** This node, its peers, the consortium's members and the ledger's health, refreshed every 3 s. */
export function NetworkView() {
  const status = useLoad((signal) => api<NodeStatus>("/status", { signal }), [], 3000);
  const members = useLoad((signal) => api<{ members: MemberRow[] }>("/members", { signal }), [], 3000);
  const incidents = useLoad((signal) => api<{ incidents: IncidentClassRow[] }>("/stats/incidents?audience=internal&days=30", { signal }), [], 60_000);
  const s = status.data;
  return (
    <div class="view">
      <ErrorNote error={status.error ?? members.error} />
      {s && (
        <div class="cards">
          <div class="card" data-testid="card-node">
            <h3>This node</h3>
            <p class="big">{s.orgId}</p>
            <p class="mono" title={s.peerId}>
              {short(s.peerId, 12)}
            </p>
            <ul class="plain mono small">
              {s.multiaddrs.map((a) => (
                <li key={a}>{a}</li>
              ))}
            </ul>
          </div>
          <div class="card" data-testid="card-peers">
            <h3>Peers</h3>
            <p class="big">{s.peers.length}</p>
            <p>
              connected of {s.members.active} active members ({s.members.known} known)
            </p>
          </div>
          <div class={`card ${s.chain.stale || s.chain.consecutiveFailures > 0 ? "warn" : ""}`} data-testid="card-chain">
            <h3>Ledger</h3>
            <p class="big">block {s.chain.head}</p>
            <p data-testid="chain-health">
              {s.chain.stale ? "STALE: no new peer is admitted until the ledger answers" : s.chain.consecutiveFailures > 0 ? `unreachable (${s.chain.consecutiveFailures} failed polls)` : "following"}
              {s.chain.lastSuccessAt ? `, last read ${ago(s.chain.lastSuccessAt)}` : ""}
            </p>
            {s.chain.lastError && <p class="small error">{s.chain.lastError}</p>}
            <p class="small mono">registry {short(s.chain.registry, 8)}</p>
            {s.epoch ? <p class="small">epoch {s.epoch.number}, ends {dateTime(s.epoch.endsAt)}</p> : <p class="small absent">no Reputation contract configured</p>}
          </div>
          <div class="card" data-testid="card-store">
            <h3>Cache</h3>
            <p class="big">{s.store.indicators.toLocaleString("en")}</p>
            <p>
              indicators, {s.store.batches.toLocaleString("en")} batches from {s.store.producers.length} producers
            </p>
            <p class="small">
              gossip: {s.gossip.accepted} accepted, {sum(s.gossip.rejected)} rejected, {sum(s.gossip.ignored)} ignored
            </p>
          </div>
        </div>
      )}
      <Section title="Members">
        {members.data && members.data.members.length === 0 && <Absent>The ledger lists no member yet.</Absent>}
        {members.data && members.data.members.length > 0 && (
          <table data-testid="members">
            <TableHead columns={["org", "name", "sector", "country", "status", "link", "peer id"]} />
            <tbody>
              {members.data.members.map((m) => (
                <tr key={m.orgId} data-org={m.orgId}>
                  <td>{m.orgId}</td>
                  <td>{m.displayName}</td>
                  <td>{m.sector}</td>
                  <td>{m.country}</td>
                  <td>
                    <span class={`badge status-${m.status.toLowerCase()}`}>{m.status}</span>
                  </td>
                  <td data-testid="link">{m.self ? "this node" : m.connected ? <span class="badge ok">connected</span> : <span class="badge">not connected</span>}</td>
                  <td class="mono small" title={m.peerId ?? ""}>
                    {m.peerId ? short(m.peerId, 12) : "—"}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
      {s && (
        <Section title="Sharing groups">
          {s.groups.length === 0 ? (
            <Absent>No sharing group on chain{s.chain.groups ? "" : " (this node has no SharingGroups contract configured)"}.</Absent>
          ) : (
            <table data-testid="groups">
              <TableHead columns={["id", "name", "kind", "owner", "members"]} />
              <tbody>
                {s.groups.map((g) => (
                  <tr key={g.id}>
                    <td>{g.id}</td>
                    <td>{g.name}</td>
                    <td>{String(g.kind)}</td>
                    <td>{g.owner ?? "governance"}</td>
                    <td>{g.members.join(", ")}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Section>
      )}
      <Section title="Incidents by class (RSIT), last 30 days">
        <ErrorNote error={incidents.error} />
        {incidents.data && incidents.data.incidents.length === 0 ? (
          <Absent>No sighting or alert in the last 30 days.</Absent>
        ) : (
          <table data-testid="incidents">
            <TableHead columns={["class", "sightings", "indicators", "reporters", "alerts here", "last seen"]} />
            <tbody>
              {(incidents.data?.incidents ?? []).map((r) => (
                <tr key={r.rsit} data-rsit={r.rsit}>
                  <td>{r.rsit}</td>
                  <td class="num">{r.sightings}</td>
                  <td class="num">{r.indicators}</td>
                  <td class="num">{r.reporters}</td>
                  <td class="num">{r.alerts}</td>
                  <td class="small">{r.lastSeen > 0 ? ago(r.lastSeen) : ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
    </div>
  );
}
