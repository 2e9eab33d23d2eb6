import type { ComponentChildren } from "preact";
import { ApiError } from "./api.js";

export const dateTime = (ms: number | undefined | null) => (ms ? new Date(ms).toISOString().replace("T", " ").slice(0, 19) + "Z" : "—");
export const ago = (ms: number) => {
  const seconds = Math.round((Date.now() - ms) / 1000);
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86_400)} d ago`;
};
export const short = (hex: string, n = 10) => (hex.length > 2 * n ? `${hex.slice(0, n)}…${hex.slice(-4)}` : hex);
export const percent = (x: number) => `${(x * 100).toFixed(1)}%`;

export function Tlp(props: { tlp: string }) {
  return <span class={`tlp tlp-${props.tlp.toLowerCase().replace("+", "-")}`}>TLP:{props.tlp}</span>;
}

/**
 * Tags as chips: PAP tags in their colour (what a reader may do), the others as they were
 * written. Text only: tags come from partners.
 */
export function Tags(props: { tags: readonly string[] }) {
  return (
    <span class="tags">
      {props.tags.map((tag) => {
        const pap = /^pap:(clear|white|green|amber|red)$/i.exec(tag)?.[1]?.toLowerCase();
        return (
          <span key={tag} class={pap ? `tag pap-${pap === "white" ? "clear" : pap}` : "tag"}>
            {tag}
          </span>
        );
      })}
    </span>
  );
}

export function ErrorNote(props: { error: Error | undefined }) {
  if (!props.error) return null;
  const code = props.error instanceof ApiError ? `${props.error.code}: ` : "";
  return (
    <p class="error" role="alert">
      {code}
      {props.error.message}
    </p>
  );
}

/** What a view shows when the node has no such capability: said plainly, never faked. */
export function Absent(props: { children: ComponentChildren }) {
  return <p class="absent">{props.children}</p>;
}

export function Section(props: { title: string; children: ComponentChildren; actions?: ComponentChildren }) {
  return (
    <section>
      <header class="section-head">
        <h2>{props.title}</h2>
        {props.actions}
      </header>
      {props.children}
    </section>
  );
}

/** A table's header row, one cell per column name. */
export function TableHead(props: { columns: string[] }) {
  return (
    <thead>
      <tr>
        {props.columns.map((name, i) => (
          <th key={i}>{name}</th>
        ))}
      </tr>
    </thead>
  );
}
