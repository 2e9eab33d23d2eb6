import { api } from "../api.js";
import { Absent, ErrorNote, Section, TableHead } from "../format.js";
import { useLoad } from "../hooks.js";

interface RelatedLink {
  member: string;
  kind: "indicator" | "object";
  type: string;
  label: string;
  reasons: Array<{ kind: string; detail: string }>;
}

/**
 * What an indicator or an object is linked to by the node's correlation, each link with its
 * reasons; a click opens the other end. Labels are what others wrote: shown as text.
 */
export function RelatedPanel(props: { query: string; open: (link: { kind: "indicator" | "object"; id: string }) => void }) {
  const related = useLoad((signal) => api<{ members: Array<{ links: RelatedLink[] }> }>(`/related?${props.query}`, { signal }), [props.query], 15_000);
  const links = related.data?.members.flatMap((m) => m.links) ?? [];
  return (
    <Section title="Related">
      <ErrorNote error={related.error} />
      {related.data && links.length === 0 ? (
        <Absent>No link: nothing shares this one's evidence (or what it shares is too common to mean anything).</Absent>
      ) : (
        <table data-testid="related">
          <TableHead columns={["what", "type", "linked by"]} />
          <tbody>
            {links.map((l) => (
              <tr key={l.member} class="clickable" data-member={l.member} onClick={() => props.open({ kind: l.kind, id: l.member.slice(2) })}>
                <td class={l.kind === "indicator" ? "mono value" : ""}>{l.label}</td>
                <td>{l.type}</td>
                <td class="small" data-testid="reasons">
                  {l.reasons.map((r) => `${r.kind}: ${r.detail}`).join("; ")}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}
