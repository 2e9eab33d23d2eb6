import { useState } from "preact/hooks";
import { api, query } from "../api.js";
import { Absent, ErrorNote, Section, TableHead, Tlp, dateTime, short } from "../format.js";
import { GraphDrawing } from "../graph.js";
import { useLoad } from "../hooks.js";
import type { Graph, ObjectDetail } from "../types.js";
import { RelatedPanel } from "./related.js";

/** Properties shown as the object's text (what others wrote is shown as text, never as HTML). */
const TEXT = ["description", "abstract", "content", "explanation", "objective", "pattern"];
const LISTS = ["aliases", "report_types", "malware_types", "threat_actor_types", "tool_types", "indicator_types", "labels", "x_mitre_platforms"];

/** One STIX object: what it says, its versions, who else stated it, the indicators it names, and its graph. */
export function ObjectView(props: { id: string; open: (id: string) => void }) {
  const [depth, setDepth] = useState(1);
  const detail = useLoad((signal) => api<ObjectDetail>(`/objects/${props.id}${query({ audience: "internal" })}`, { signal }), [props.id], 10_000);
  const graph = useLoad((signal) => api<Graph>(`/objects/${props.id}/graph${query({ audience: "internal", depth, limit: 300 })}`, { signal }), [props.id, depth]);
  const d = detail.data;
  if (!d) return <div class="view">{detail.error ? <ErrorNote error={detail.error} /> : <p>Loading…</p>}</div>;
  const o = d.object as Record<string, unknown>;
  const external = Array.isArray(o.external_references) ? (o.external_references as Array<Record<string, unknown>>) : [];
  return (
    <div class="view" data-testid="object">
      <ErrorNote error={detail.error} />
      <h2 data-testid="object-name">{d.summary.name}</h2>
      <p>
        {d.summary.type} · <Tlp tlp={d.summary.tlp} /> · owner {d.summary.owner}
        {d.summary.group > 0 && ` · group ${d.summary.group}`}
        {d.summary.revoked && <span class="badge warn">revoked</span>}
      </p>
      <p class="small">
        <span class="mono">{d.summary.id}</span> · version {d.summary.version || "(unversioned)"}
      </p>
      {TEXT.filter((k) => typeof o[k] === "string").map((k) => (
        <p key={k} class={k === "pattern" ? "mono" : "prose"} data-testid={`object-${k}`}>
          {String(o[k])}
        </p>
      ))}
      {LISTS.filter((k) => Array.isArray(o[k])).map((k) => (
        <p key={k} class="small">
          {k.replace(/_/g, " ")}: {(o[k] as unknown[]).map(String).join(", ")}
        </p>
      ))}
      <Section
        title="Graph"
        actions={
          <label class="small">
            depth{" "}
            <select data-testid="graph-depth" value={String(depth)} onChange={(e) => setDepth(Number(e.currentTarget.value))}>
              {[1, 2, 3].map((n) => (
                <option key={n} value={String(n)}>
                  {n}
                </option>
              ))}
            </select>
          </label>
        }
      >
        <ErrorNote error={graph.error} />
        {graph.data && graph.data.nodes.length <= 1 && <Absent>No relationship or reference links this object to another one here.</Absent>}
        {graph.data && graph.data.nodes.length > 1 && (
          <>
            <GraphDrawing graph={graph.data} open={props.open} />
            <p class="small">
              {graph.data.nodes.length} objects, {graph.data.edges.length} links{graph.data.truncated ? " (the walk stopped at its bound)" : ""}; grey ones are referenced but not held here. Click one to open it.
            </p>
          </>
        )}
      </Section>
      <Section title="Versions">
        <table data-testid="versions">
          <TableHead columns={["version", "TLP", "group", "revoked", "batch", "signed", "received"]} />
          <tbody>
            {d.versions.map((v) => (
              <tr key={v.version}>
                <td class="small">{v.version || "(unversioned)"}</td>
                <td>
                  <Tlp tlp={v.tlp} />
                </td>
                <td>{v.group === 0 ? "everyone" : `group ${v.group}`}</td>
                <td>{v.revoked ? "yes" : ""}</td>
                <td class="small">{v.sequence === 0 ? "local only" : `#${v.sequence}, leaf ${v.leaf}`}</td>
                <td class="small">{dateTime(v.signedAt)}</td>
                <td class="small">{dateTime(v.receivedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
      {d.otherStatements.length > 0 && (
        <Section title="Stated by other orgs too">
          <p class="small">Kept with their provenance; only the owner's versions are the object.</p>
          <table data-testid="other-statements">
            <TableHead columns={["org", "version", "TLP", "revoked", "batch"]} />
            <tbody>
              {d.otherStatements.map((s) => (
                <tr key={`${s.producer} ${s.version}`}>
                  <td>{s.producer}</td>
                  <td class="small">{s.version}</td>
                  <td>
                    <Tlp tlp={s.tlp} />
                  </td>
                  <td>{s.revoked ? "yes" : ""}</td>
                  <td class="small">#{s.sequence}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Section>
      )}
      {d.linkedIndicators.length > 0 && (
        <Section title="Indicators its pattern names">
          <ul class="plain" data-testid="linked-indicators">
            {d.linkedIndicators.map((id) => (
              <li key={id}>
                <a class="mono" href={`#/indicator/${id}`}>
                  {short(id, 16)}
                </a>
              </li>
            ))}
          </ul>
        </Section>
      )}
      {external.length > 0 && (
        <Section title="External references">
          <ul class="plain small">
            {external.map((r, i) => (
              <li key={i}>
                {String(r.source_name ?? "")} {typeof r.external_id === "string" ? r.external_id : ""} {typeof r.url === "string" ? <span class="mono">{r.url}</span> : null}
              </li>
            ))}
          </ul>
        </Section>
      )}
      <RelatedPanel query={`object=${encodeURIComponent(props.id)}`} open={(l) => (l.kind === "object" ? props.open(l.id) : (location.hash = `#/indicator/${l.id}`))} />
    </div>
  );
}
