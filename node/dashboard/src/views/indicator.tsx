import { useMemo } from "preact/hooks";
import { api } from "../api.js";
import { LineChart } from "../chart.js";
import { Absent, ErrorNote, Section, TableHead, Tags, Tlp, dateTime, short } from "../format.js";
import { useLoad } from "../hooks.js";
import type { ObjectSummary, Provenance, ScoredRecord, SightingTotals } from "../types.js";
import { RelatedPanel } from "./related.js";

interface Detail {
  indicator: ScoredRecord;
  sightings: SightingTotals;
  decay: Array<{ at: number; score: number }>;
  provenance: Provenance[];
  objects: ObjectSummary[];
}

const STATUS_TEXT: Record<Provenance["status"], string> = {
  anchored: "anchored on chain",
  "not-anchored-yet": "not anchored yet (producers anchor once per epoch)",
  "local-only": "local only (TLP:RED): in no batch, hence in no anchor",
  "batch-not-held": "this node does not hold the batch",
  "no-audit-contract": "no AuditTrail contract configured",
  "chain-unreachable": "the ledger did not answer",
};

/** Reporters by name; anonymous ones (anon/) as what they are, one each: the pseudonym means nothing to an analyst. */
function reporters(orgs: readonly string[]): string {
  const named = orgs.filter((o) => !o.startsWith("anonymous:"));
  const anonymous = orgs.length - named.length;
  const parts = [...named, ...(anonymous === 1 ? ["an anonymous member"] : anonymous > 1 ? [`${anonymous} anonymous members`] : [])];
  return parts.join(", ") || "nobody";
}

/** One indicator: its statements and producers, sightings, decay curve and provenance. */
export function IndicatorView(props: { id: string }) {
  const detail = useLoad((signal) => api<Detail>(`/indicators/${props.id}/detail?audience=internal`, { signal }), [props.id], 5000);
  const d = detail.data;
  const chart = useMemo(() => (d ? { x: d.decay.map((p) => p.at / 1000), series: [{ label: "score", values: d.decay.map((p) => p.score) }] } : undefined), [d?.decay.length, d?.indicator.updatedAt]);
  if (!d) return <div class="view">{detail.error ? <ErrorNote error={detail.error} /> : <p>Loading…</p>}</div>;
  const r = d.indicator;
  return (
    <div class="view" data-testid="indicator">
      <ErrorNote error={detail.error} />
      <h2 class="mono value" data-testid="indicator-value">
        {r.blinded ? `blinded ${r.value}` : r.value}
      </h2>
      <p>
        {r.type} · <Tlp tlp={r.tlp} /> · confidence {r.confidence} · score <strong data-testid="indicator-score">{r.score.score.toFixed(1)}</strong> (before decay {r.score.base.toFixed(1)})
        {r.score.quarantined && <span class="badge warn">quarantined: kept, never fed to detectors</span>}
        {r.score.expired && <span class="badge warn">expired</span>}
      </p>
      <p class="small">
        valid {dateTime(r.validFrom)} to {dateTime(r.validUntil)}; first seen here {dateTime(r.firstSeenAt)}; id <span class="mono">{r.id}</span>
      </p>
      <Section title="Producers">
        <table data-testid="producers">
          <TableHead columns={["producer", "TLP", "group", "confidence", "assessment", "labels", "description", "stated"]} />
          <tbody>
            {r.attestations.map((a) => {
              const assessed = r.score.statements.find((s) => s.producer === a.producer);
              return (
              <tr key={a.producer}>
                <td>{a.producer}</td>
                <td>
                  <Tlp tlp={a.tlp} />
                </td>
                <td>{a.group === 0 ? "everyone" : `group ${a.group}`}</td>
                <td class="num">{a.confidence}</td>
                <td class="small" data-testid="assessment" title="how likely the item is (from its Admiralty credibility, its estimative likelihood, or its confidence) times how reliable its source is; the producer's reputation weighs it on top">
                  {assessed ? (
                    <>
                      {assessed.admiralty && <span class="badge">Admiralty {assessed.admiralty}</span>} item {assessed.item} ({assessed.itemFrom}) × source {assessed.reliability}% = <strong>{assessed.belief.toFixed(0)}</strong>
                    </>
                  ) : (
                    "—"
                  )}
                </td>
                <td class="small">
                  {[...a.labels.malwareFamilies, ...a.labels.attackTechniques].join(", ")} <Tags tags={a.labels.tags} />
                </td>
                <td class="small">{a.description}</td>
                <td class="small">{dateTime(a.createdAt)}</td>
              </tr>
              );
            })}
          </tbody>
        </table>
      </Section>
      {d.objects.length > 0 && (
        <Section title="STIX indicators naming it">
          <ul class="plain" data-testid="indicator-objects">
            {d.objects.map((o) => (
              <li key={o.id}>
                <a href={`#/object/${o.id}`}>{o.name}</a> <span class="small">({o.type}, {o.owner})</span>
              </li>
            ))}
          </ul>
        </Section>
      )}
      <Section title="Sightings">
        {d.sightings.sightings === 0 && d.sightings.falsePositiveBy.length === 0 && d.sightings.expiredBy.length === 0 ? (
          <Absent>No detector of any member has reported it yet.</Absent>
        ) : (
          <ul class="plain" data-testid="sightings">
            <li>
              {d.sightings.sightings} sightings by {reporters(d.sightings.confirmedBy)}
              {d.sightings.firstSeen ? `, first ${dateTime(d.sightings.firstSeen)}, last ${dateTime(d.sightings.lastSeen)}` : ""}
            </li>
            <li>false positive for: {reporters(d.sightings.falsePositiveBy)}</li>
            <li>expired for: {reporters(d.sightings.expiredBy)}</li>
          </ul>
        )}
      </Section>
      <Section title="Decay">
        <p class="small">The score over the indicator's life at this node (MISP polynomial decay per type; a sighting restarts it).</p>
        {chart && <LineChart x={chart.x} series={chart.series} time={true} yRange={[0, 100]} testId="decay-chart" yLabel="score" />}
      </Section>
      <Section title="Provenance">
        <table data-testid="provenance">
          <TableHead columns={["producer", "batch", "Merkle root", "ed25519 signature", "anchor"]} />
          <tbody>
            {d.provenance.map((p) => (
              <tr key={p.producer}>
                <td>{p.producer}</td>
                <td>{p.sequence === 0 ? "—" : `#${p.sequence}, leaf ${p.index}${p.batch?.sealed ? " (sealed)" : ""}`}</td>
                <td class="mono small" title={p.batch?.merkleRoot}>
                  {p.batch ? short(p.batch.merkleRoot) : "—"}
                </td>
                <td class="mono small" title={p.batch?.signature}>
                  {p.batch ? short(p.batch.signature) : "—"}
                </td>
                <td data-testid="anchor">
                  {p.anchor ? (
                    <span>
                      anchor {p.anchor.index} (batches {p.anchor.firstSequence}-{p.anchor.lastSequence}), block {p.anchor.blockNumber}, {dateTime(p.anchor.anchoredAt)}
                    </span>
                  ) : (
                    <span class="absent">{STATUS_TEXT[p.status]}</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
      <RelatedPanel query={`id=${props.id}`} open={(l) => (location.hash = l.kind === "object" ? `#/object/${l.id}` : `#/indicator/${l.id}`)} />
    </div>
  );
}
