import cytoscape, { type Core } from "cytoscape";
import { useEffect, useRef } from "preact/hooks";
import type { Graph } from "./types.js";

/** Node colours by kind of object, so that actors, malware and techniques read apart at a glance. */
const COLOURS: Record<string, string> = {
  "threat-actor": "#b91c1c",
  "intrusion-set": "#b91c1c",
  campaign: "#c2410c",
  malware: "#7c3aed",
  tool: "#6d28d9",
  "attack-pattern": "#0369a1",
  indicator: "#0f766e",
  vulnerability: "#a16207",
  "course-of-action": "#15803d",
  report: "#374151",
  identity: "#6b7280",
  infrastructure: "#9d174d",
};

/**
 * The graph around an object, drawn with Cytoscape.js (breadth-first from the object). Names are
 * drawn as canvas text, never as HTML. Clicking an object held here opens its page.
 */
export function GraphDrawing(props: { graph: Graph; open: (id: string) => void }) {
  const container = useRef<HTMLDivElement>(null);
  const instance = useRef<Core | undefined>(undefined);
  const openRef = useRef(props.open);
  openRef.current = props.open;

  useEffect(() => {
    if (!container.current) return;
    const { graph } = props;
    const ids = new Set(graph.nodes.map((n) => n.id));
    const cy = cytoscape({
      container: container.current,
      elements: [
        ...graph.nodes.map((n) => ({
          data: { id: n.id, label: n.name.length > 40 ? `${n.name.slice(0, 39)}…` : n.name, colour: n.held ? (COLOURS[n.type] ?? "#4b5563") : "#d1d5db", held: n.held ? 1 : 0, root: n.distance === 0 ? 1 : 0 },
        })),
        ...graph.edges.filter((e) => ids.has(e.from) && ids.has(e.to)).map((e) => ({ data: { id: `${e.via} ${e.from} ${e.to}`, source: e.from, target: e.to, label: e.label } })),
      ],
      style: [
        { selector: "node", style: { "background-color": "data(colour)", label: "data(label)", "font-size": 10, color: "#111827", "text-valign": "bottom", "text-margin-y": 3, width: 18, height: 18 } },
        { selector: "node[root = 1]", style: { width: 28, height: 28, "border-width": 3, "border-color": "#111827" } },
        { selector: "edge", style: { width: 1.2, "line-color": "#9ca3af", "target-arrow-color": "#9ca3af", "target-arrow-shape": "triangle", "curve-style": "bezier", label: "data(label)", "font-size": 8, color: "#6b7280" } },
      ],
      layout: { name: "breadthfirst", roots: [graph.root], directed: false, spacingFactor: 1.1, padding: 10 },
      wheelSensitivity: 0.3,
    });
    cy.on("tap", "node", (event) => {
      const node = event.target;
      if (node.data("held") === 1 && node.id() !== graph.root) openRef.current(node.id());
    });
    instance.current = cy;
    return () => {
      cy.destroy();
      instance.current = undefined;
    };
  }, [props.graph]);

  return <div class="graph" ref={container} data-testid="graph" data-nodes={props.graph.nodes.length} data-edges={props.graph.edges.length} />;
}
