/** The syntax tree of a compiled template: Ruby statements plus the text and output statements ERB generates. */

export type Param = string | Param[];

export interface BlockNode {
  params: Param[];
  body: Node[];
  line: number;
}

export type Node = { line: number } & (
  | { kind: 'text'; text: string }
  | { kind: 'output'; expr: Node }
  | { kind: 'nil' | 'true' | 'false' | 'self' }
  | { kind: 'int' | 'float'; value: number }
  | { kind: 'str'; parts: (string | Node)[] }
  | { kind: 'sym'; name: string }
  | { kind: 'regex'; source: string; flags: string }
  | { kind: 'array'; items: Node[] }
  | { kind: 'hash'; pairs: [Node, Node][] }
  | { kind: 'range'; from: Node; to: Node; exclusive: boolean }
  | { kind: 'var'; name: string }
  | { kind: 'const'; name: string }
  | { kind: 'assign'; name: string; value: Node }
  | { kind: 'opassign'; target: Node; op: string; value: Node }
  | { kind: 'indexassign'; target: Node; args: Node[]; value: Node }
  | {
      kind: 'call';
      recv: Node | null;
      name: string;
      args: Node[];
      block: BlockNode | null;
      safe: boolean;
      blockArg: string | null;
    }
  | { kind: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'not'; expr: Node }
  | { kind: 'if'; cond: Node; then: Node[]; else: Node[] }
  | { kind: 'case'; subject: Node | null; whens: { values: Node[]; body: Node[] }[]; else: Node[] | null }
  | { kind: 'while'; cond: Node; body: Node[]; until: boolean }
  | { kind: 'seq'; body: Node[] }
  | { kind: 'rescue'; body: Node[]; rescue: Node[]; errorVar?: string }
  | { kind: 'next' | 'break' | 'return'; value: Node | null }
  | { kind: 'splat'; expr: Node }
  | { kind: 'defined'; expr: Node }
  | { kind: 'def'; name: string; params: string[]; rest: string | null; body: Node[] }
);

export type NodeOf<K extends Node['kind']> = Extract<Node, { kind: K }>;
