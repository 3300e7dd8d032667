/**
 * The table of match evaluators, keyed by module name (as after `-m`). Each extension family
 * lives in its own module; a module not listed is undecidable (recorded, outcome assumed).
 */
import type { MatchCompiler } from '../context';
import { CT_MATCHES } from './ct';
import { HEADER_MATCHES } from './header';
import { STATEFUL_MATCHES } from './stateful';
import { UNKNOWABLE_MATCHES } from './unknowable';

export const MATCH_EVALUATORS: Record<string, MatchCompiler> = {
  ...HEADER_MATCHES,
  ...CT_MATCHES,
  ...STATEFUL_MATCHES,
  ...UNKNOWABLE_MATCHES,
};
