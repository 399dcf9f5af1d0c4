/** Syntax tree of a segment expression (AAM §6.2). Positions are kept for validation errors. */

export interface TraitRefNode {
  type: 'ref';
  sid: number;
  pos: number;
}

/** `frequency([1T,2T] <= 5D) >= 3`: realisations of any listed trait, optionally within/before a window. */
export interface FrequencyNode {
  type: 'freq';
  traits: TraitRefNode[];
  recency?: { op: '<=' | '>='; days: number; pos: number };
  op: '>=' | '<=' | '==';
  count: number;
  pos: number;
}

export interface SegmentBoolNode {
  type: 'and' | 'or';
  children: SegmentNode[];
}

export interface SegmentNotNode {
  type: 'not';
  child: SegmentNode;
}

export type SegmentNode = TraitRefNode | FrequencyNode | SegmentBoolNode | SegmentNotNode;
