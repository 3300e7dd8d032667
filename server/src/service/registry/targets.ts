/**
 * Target extensions and standard verdicts (`-j NAME`), one declarative entry each.
 */
import type { TargetSpec } from './types';

export const TARGETS: readonly TargetSpec[] = [
  {
    kind: 'target',
    name: 'ACCEPT',
    families: [4, 6],
    flow: 'verdict',
    options: [],
    summary: 'Let the packet through this table',
    doc: 'Stops traversal of the current table; the packet goes on to the next table or hook.',
  },
  {
    kind: 'target',
    name: 'DROP',
    families: [4, 6],
    flow: 'verdict',
    options: [],
    summary: 'Discard the packet',
    doc: 'Discards the packet silently; no further rules or tables see it.',
  },
  {
    kind: 'target',
    name: 'RETURN',
    families: [4, 6],
    flow: 'verdict',
    options: [],
    summary: 'Return to the calling chain',
    doc: 'Returns to the rule after the one that jumped here; in a built-in chain, applies the policy.',
  },
];
