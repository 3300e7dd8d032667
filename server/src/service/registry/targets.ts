/**
 * Target extensions and standard verdicts (`-j NAME`), one declarative entry each, gathered from
 * the thematic data files under `targets/`. See types.ts for the schema.
 */
import { MANGLE_TARGETS } from './targets/mangle';
import { MISC_TARGETS } from './targets/misc';
import { NAT_TARGETS } from './targets/nat';
import { VERDICTS_TARGETS } from './targets/verdicts';
import type { TargetSpec } from './types';

export const TARGETS: readonly TargetSpec[] = [...VERDICTS_TARGETS, ...NAT_TARGETS, ...MANGLE_TARGETS, ...MISC_TARGETS];
