import { api, query } from "../api.js";
import { Absent, ErrorNote, TableHead, Tags, Tlp, dateTime } from "../format.js";
import { useLoad } from "../hooks.js";
import type { ObjectSummary } from "../types.js";

/** The STIX types an analyst looks for most, first in the filter. */
const TYPES = ["report", "threat-actor", "intrusion-set", "campaign", "malware", "tool", "attack-pattern", "vulnerability", "indicator", "course-of-action", "infrastructure", "identity", "relationship", "note", "opinion", "grouping", "location", "incident", "observed-data", "sighting"];

export interface ObjectFilters {
  type: string;
  text: string;
  tag: string;
}

/** Reports, actors, malware, techniques and every other STIX object this node holds: a search box and a type filter. */
export function ObjectsView(props: { filters: ObjectFilters; setFilters: (f: ObjectFilters) => void; open: (id: string) => void }) {
  const { filters, setFilters } = props;
  const list = useLoad(
    (signal) => api<{ objects: ObjectSummary[]; next?: string }>(`/objects${query({ audience: "internal", type: filters.type, q: filters.text, tag: filters.tag, limit: 200 })}`, { signal }),
    [filters.type, filters.text, filters.tag],
  );
  const rows = list.data?.objects ?? [];
  return (
    <div class="view">
      <form class="filters" data-testid="object-filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          search
          <input name="q" type="search" placeholder="name or id" value={filters.text} onInput={(e) => setFilters({ ...filters, text: e.currentTarget.value })} />
        </label>
        <label>
          type
          <select name="type" value={filters.type} onChange={(e) => setFilters({ ...filters, type: e.currentTarget.value })}>
            <option value="">any</option>
            {TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <label>
          tag
          <input name="tag" type="search" placeholder="PAP:RED, misp-galaxy:*" value={filters.tag} onChange={(e) => setFilters({ ...filters, tag: e.currentTarget.value })} />
        </label>
        <span class="small">{list.loading ? "searching…" : `${rows.length}${list.data?.next ? "+" : ""} shown`}</span>
      </form>
      <ErrorNote error={list.error} />
      {list.data && rows.length === 0 && <Absent>No object matches. Partners' reports, actors and techniques appear here once shared (cti publish --stix).</Absent>}
      {rows.length > 0 && (
        <table data-testid="objects">
          <TableHead columns={["name", "type", "TLP", "tags", "version", "owner", "stated by"]} />
          <tbody>
            {rows.map((o) => (
              <tr key={o.id} class="clickable" onClick={() => props.open(o.id)}>
                <td>
                  <a href={`#/object/${o.id}`}>{o.name}</a>
                </td>
                <td>{o.type}</td>
                <td>
                  <Tlp tlp={o.tlp} />
                </td>
                <td>
                  <Tags tags={o.tags ?? []} />
                </td>
                <td class="small">{dateTime(Date.parse(o.version)) === "—" ? o.version || "—" : dateTime(Date.parse(o.version))}</td>
                <td>{o.owner}</td>
                <td class="small">{o.producers.join(", ")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
