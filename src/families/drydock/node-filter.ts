import { z } from 'zod';

/**
 * Drydock's node filter: `{filter_set_type: intersection|union, filter_set: [{filter_type, node_names,
 * node_tags, node_labels, rack_names, rack_labels}]}`. Each filter selects, per criterion given, the
 * nodes matching it, and joins those selections by its `filter_type`; the filter set joins the filters'
 * results by `filter_set_type` (orchestrator.py `process_node_filter`).
 */

const names = z.array(z.string().max(255)).max(10_000);
const labels = z.record(z.string().max(255), z.string().max(1024));

export const nodeFilterSchema = z
  .object({
    filter_type: z.enum(['intersection', 'union']),
    node_names: names.nullish(),
    node_tags: names.nullish(),
    node_labels: labels.nullish(),
    rack_names: names.nullish(),
    rack_labels: labels.nullish(),
  })
  .strict();

export const nodeFilterSetSchema = z
  .object({
    filter_set_type: z.enum(['intersection', 'union']),
    filter_set: z.array(nodeFilterSchema).max(100),
  })
  .strict();

export type NodeFilter = z.infer<typeof nodeFilterSchema>;
export type NodeFilterSet = z.infer<typeof nodeFilterSetSchema>;

/** What a filter looks at in a node (its effective model). */
export interface FilterableNode {
  name: string;
  tags: string[];
  ownerData: Record<string, string>;
  rack: string | null;
}

function intersect(sets: Array<Set<string> | null>): Set<string> | null {
  let out: Set<string> | null = null;
  for (const s of sets) {
    if (s === null) continue;
    const set: Set<string> = s;
    const prev: Set<string> | null = out;
    out = prev === null ? new Set(set) : new Set([...prev].filter((x: string) => set.has(x)));
  }
  return out;
}

function union(sets: Array<Set<string> | null>): Set<string> {
  const out = new Set<string>();
  for (const s of sets) for (const x of s ?? []) out.add(x);
  return out;
}

function applyFilter(
  nodes: FilterableNode[],
  f: NodeFilter,
  rackLabels: Map<string, Record<string, string>>,
): Set<string> {
  const pick = (test: (n: FilterableNode) => boolean) => new Set(nodes.filter(test).map((n) => n.name));
  const matchesLabels = (have: Record<string, string>, want: Record<string, string>) =>
    Object.entries(want).every(([k, v]) => have[k] === v);
  const criteria: Array<Set<string> | null> = [
    f.node_names?.length ? pick((n) => f.node_names!.includes(n.name)) : null,
    f.node_tags?.length ? pick((n) => f.node_tags!.some((t) => n.tags.includes(t))) : null,
    f.rack_names?.length ? pick((n) => n.rack !== null && f.rack_names!.includes(n.rack)) : null,
    f.node_labels && Object.keys(f.node_labels).length ? pick((n) => matchesLabels(n.ownerData, f.node_labels!)) : null,
    // Drydock leaves rack labels unimplemented (every node); bosun matches the Rack documents' labels.
    f.rack_labels && Object.keys(f.rack_labels).length
      ? pick((n) => n.rack !== null && matchesLabels(rackLabels.get(n.rack) ?? {}, f.rack_labels!))
      : null,
  ];
  if (f.filter_type === 'union') return union(criteria);
  // An intersection of no criteria selects every node, as Drydock's list_intersection of nothing does.
  return intersect(criteria) ?? new Set(nodes.map((n) => n.name));
}

/** The names of the nodes a filter set selects, in design order; no filter set selects every node. */
export function selectNodes(
  nodes: FilterableNode[],
  filterSet: NodeFilterSet | null | undefined,
  rackLabels = new Map<string, Record<string, string>>(),
): string[] {
  if (!filterSet) return nodes.map((n) => n.name);
  const results = filterSet.filter_set.map((f) => applyFilter(nodes, f, rackLabels));
  const chosen =
    filterSet.filter_set_type === 'union' ? union(results) : (intersect(results) ?? new Set(nodes.map((n) => n.name)));
  return nodes.filter((n) => chosen.has(n.name)).map((n) => n.name);
}
