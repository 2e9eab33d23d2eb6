import { useRef, useState } from "preact/hooks";
import { api, query } from "../api.js";
import { Absent, ErrorNote, TableHead, Tags, Tlp, ago } from "../format.js";
import { useLoad } from "../hooks.js";
import type { MemberRow, ScoredRecord } from "../types.js";

// The node's INDICATOR_TYPES (node/src/model/indicator.ts); the dashboard bundle imports nothing from the node.
const TYPES = [
  "ipv4", "ipv6", "cidr", "domain", "url", "email", "md5", "sha1", "sha256", "sha512", "ssdeep", "tlsh",
  "ja3", "ja3s", "ja4", "asn", "user-agent", "filename", "mutex", "registry-key", "cve", "x509-md5", "x509-sha1", "x509-sha256",
];
const TLPS = ["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"];
/** Records read per refresh (the API filters what it reads), and rows shown. */
const READ = 2000;
const SHOWN = 200;

/** A filter's drop-down: "any" first, then the options. */
function Choice(props: { label: string; name: string; value: string; options: string[]; onChange: (event: Event) => void }) {
  return (
    <label>
      {props.label}
      <select name={props.name} value={props.value} onChange={props.onChange}>
        <option value="">any</option>
        {props.options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </label>
  );
}

export interface FeedFilters {
  type: string;
  tlp: string;
  producer: string;
  minScore: string;
  tag: string;
}

/**
 * The newest indicators in the cache, as this org sees them, refreshed every 2 s; filters by
 * type, TLP, producer and score are applied by the API. Rows that arrived since the last
 * refresh are marked.
 */
export function FeedView(props: { filters: FeedFilters; setFilters: (f: FeedFilters) => void; open: (id: string) => void }) {
  const { filters, setFilters } = props;
  const seen = useRef<Map<string, number>>(new Map());
  const [paused, setPaused] = useState(false);
  const members = useLoad((signal) => api<{ members: MemberRow[] }>("/members", { signal }), []);
  const feed = useLoad(
    (signal) =>
      api<{ indicators: ScoredRecord[] }>(
        `/indicators${query({ audience: "internal", order: "newest", limit: READ, type: filters.type, tlp: filters.tlp, producer: filters.producer, minScore: filters.minScore, tag: filters.tag })}`,
        { signal },
      ),
    [filters.type, filters.tlp, filters.producer, filters.minScore, filters.tag],
    paused ? undefined : 2000,
  );
  const rows = (feed.data?.indicators ?? []).slice(0, SHOWN);
  const previous = seen.current;
  const fresh = new Set(rows.filter((r) => previous.size > 0 && previous.get(r.id) !== r.updatedAt).map((r) => r.id));
  if (feed.data) seen.current = new Map(rows.map((r) => [r.id, r.updatedAt]));

  const set = (field: keyof FeedFilters) => (event: Event) => setFilters({ ...filters, [field]: (event.currentTarget as HTMLInputElement).value });
  return (
    <div class="view">
      <form class="filters" data-testid="filters" onSubmit={(e) => e.preventDefault()}>
        <Choice label="type" name="type" value={filters.type} options={TYPES} onChange={set("type")} />
        <Choice label="TLP" name="tlp" value={filters.tlp} options={TLPS} onChange={set("tlp")} />
        <Choice label="producer" name="producer" value={filters.producer} options={(members.data?.members ?? []).map((m) => m.orgId)} onChange={set("producer")} />
        <label>
          score ≥
          <input name="minScore" type="number" min="0" max="100" step="5" value={filters.minScore} onChange={set("minScore")} />
        </label>
        <label>
          tag
          <input name="tag" type="search" placeholder="PAP:RED, admiralty-scale:*" value={filters.tag} onChange={set("tag")} />
        </label>
        <button type="button" onClick={() => setPaused(!paused)}>
          {paused ? "resume" : "pause"}
        </button>
        <span class="small">{feed.loading ? "refreshing…" : paused ? "paused" : "live, every 2 s"}</span>
      </form>
      <ErrorNote error={feed.error} />
      {feed.data && rows.length === 0 && <Absent>No indicator matches these filters among the {READ.toLocaleString("en")} most recent.</Absent>}
      {rows.length > 0 && (
        <table data-testid="feed">
          <TableHead columns={["type", "value", "TLP", "score", "producers", "labels", "updated"]} />
          <tbody>
            {rows.map((r) => (
              <tr key={r.id} class={`clickable ${fresh.has(r.id) ? "fresh" : ""} ${r.score.quarantined ? "quarantined" : ""}`} data-id={r.id} onClick={() => props.open(r.id)}>
                <td>{r.type}</td>
                <td class="mono value">
                  <a href={`#/indicator/${r.id}`}>{r.blinded ? `blinded ${r.value.slice(0, 12)}…` : r.value}</a>
                </td>
                <td>
                  <Tlp tlp={r.tlp} />
                </td>
                <td class="num" data-testid="score">
                  {r.score.score.toFixed(1)}
                  {r.score.quarantined && <span class="badge warn">quarantined</span>}
                </td>
                <td>{r.attestations.map((a) => a.producer).join(", ")}</td>
                <td class="small">
                  {[...r.labels.malwareFamilies, ...r.labels.attackTechniques].join(", ")} <Tags tags={r.labels.tags} />
                </td>
                <td class="small">{ago(r.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
