/**
 * Mutation kinds about the restore file's syntax and structure: option typos, deleted words,
 * broken quoting, misplaced negation, duplicated options, unknown matches, CRLF lines, bad
 * counters, a deleted COMMIT, unknown tables, bad policies, chains declared twice or in the wrong
 * table, and a deleted chain declaration.
 */
import { isBuiltinTable, TABLE_HOOKS, type TableName } from '../../server/src/service/model';
import type { BaseFile } from './corpus';
import {
  type Edit,
  groupRange,
  insertBeforeTarget,
  insertBeforeWord,
  insertLine,
  linesWhere,
  type MutationKind,
  replaceLine,
  replaceWord,
  spliceText,
  typo,
} from './edits';

const isRule = (f: BaseFile) => linesWhere(f, (li) => li.kind === 'rule');
const rulesWithGroups = (f: BaseFile) => linesWhere(f, (li) => li.kind === 'rule' && (li.groups?.length ?? 0) > 0);

const optionTypo: MutationKind = {
  name: 'option-typo',
  sites: rulesWithGroups,
  apply(f, i, rng) {
    const li = f.info[i];
    const g = rng.pick(li.groups!);
    const name = g.name;
    if (name.startsWith('--')) {
      if (rng.chance(0.15)) return replaceLine(f, i, replaceWord(f, i, g.opt, name.slice(1)), 'single-dash');
      const t = typo(name.slice(2), rng);
      return replaceLine(f, i, replaceWord(f, i, g.opt, `--${t.text}`), t.how);
    }
    const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
    let c = rng.char(letters);
    if (c === name[1]) c = c === 'q' ? 'y' : 'q';
    return replaceLine(f, i, replaceWord(f, i, g.opt, `-${c}`), 'short-letter');
  },
};

const tokenDeleted: MutationKind = {
  name: 'token-deleted',
  sites: rulesWithGroups,
  apply(f, i, rng) {
    const li = f.info[i];
    const first = (li.cmd ?? 0) + 2;
    const k = rng.between(first, li.tokens.length - 1);
    const s = li.tokens[k].span;
    const end = k + 1 < li.tokens.length ? li.tokens[k + 1].span.character : s.endCharacter;
    const start = k + 1 < li.tokens.length ? s.character : li.tokens[k - 1].span.endCharacter;
    const word = li.tokens[k].text;
    const variant = word === '!' ? 'negation' : word.startsWith('-') ? 'option-word' : 'argument';
    return replaceLine(f, i, spliceText(f, i, start, end, ''), variant);
  },
};

const brokenQuoting: MutationKind = {
  name: 'broken-quoting',
  sites: rulesWithGroups,
  apply(f, i, rng) {
    const li = f.info[i];
    const line = f.lines[i];
    const quotes: number[] = [];
    for (let p = 0; p < line.length; p++) if (line[p] === '"') quotes.push(p);
    if (quotes.length > 0 && rng.chance(0.6)) {
      const quoted = li.tokens.filter((t) => t.quoted);
      if (quoted.length > 0 && rng.chance(0.4)) {
        const t = rng.pick(quoted);
        const raw = line.slice(t.span.character, t.span.endCharacter);
        return replaceLine(
          f,
          i,
          spliceText(f, i, t.span.character, t.span.endCharacter, raw.replace(/"/g, "'")),
          'single-quotes',
        );
      }
      const p = rng.pick(quotes);
      return replaceLine(f, i, line.slice(0, p) + line.slice(p + 1), 'drop-quote');
    }
    const args = li.groups!.flatMap((g) => g.args);
    const k = args.length > 0 ? rng.pick(args) : rng.pick(li.groups!).opt;
    const t = li.tokens[k];
    const v = rng.int(3);
    if (v === 0) return replaceLine(f, i, spliceText(f, i, t.span.character, t.span.character, '"'), 'open-quote');
    if (v === 1 && t.text.length > 1) {
      const p = t.span.character + 1 + rng.int(t.text.length - 1);
      return replaceLine(f, i, spliceText(f, i, p, p, '"'), 'quote-inside-word');
    }
    return replaceLine(f, i, replaceWord(f, i, k, `'${t.text}'`), 'single-quoted-word');
  },
};

const negationMisplaced: MutationKind = {
  name: 'negation-misplaced',
  sites: rulesWithGroups,
  apply(f, i, rng) {
    const li = f.info[i];
    const negated = li.groups!.filter((g) => g.neg !== undefined && g.args.length > 0);
    if (negated.length > 0 && rng.chance(0.5)) {
      const g = rng.pick(negated);
      const neg = li.tokens[g.neg!].span;
      const opt = li.tokens[g.opt].span;
      if (rng.chance(0.5)) {
        // `! --opt arg` -> `--opt ! arg` (the pre-1.4.3 intrapositioned form)
        const moved = `${f.lines[i].slice(opt.character, opt.endCharacter)} !`;
        return replaceLine(f, i, spliceText(f, i, neg.character, opt.endCharacter, moved), 'intrapositioned');
      }
      return replaceLine(f, i, spliceText(f, i, neg.character, neg.character, '! '), 'double');
    }
    const v = rng.int(4);
    if (v === 0 && li.target) return replaceLine(f, i, insertBeforeWord(f, i, li.target.opt, '!'), 'before-target');
    const m = li.groups!.filter((g) => g.name === '-m' || g.name === '--match');
    if (v === 1 && m.length > 0) return replaceLine(f, i, insertBeforeWord(f, i, rng.pick(m).opt, '!'), 'before-match');
    if (v === 2) return replaceLine(f, i, `${f.lines[i].replace(/\s+$/, '')} !`, 'trailing');
    return replaceLine(f, i, insertBeforeWord(f, i, (li.cmd ?? 0) + 1, '!'), 'before-chain');
  },
};

const duplicateOption: MutationKind = {
  name: 'duplicate-option',
  sites: rulesWithGroups,
  apply(f, i, rng) {
    const li = f.info[i];
    const g = rng.pick(li.groups!);
    const [a, b] = groupRange(li, g);
    const text = f.lines[i].slice(a, b);
    return replaceLine(f, i, spliceText(f, i, b, b, ` ${text}`), g.name);
  },
};

const OTHER_MODULES = [
  'state',
  'conntrack',
  'tcp',
  'udp',
  'multiport',
  'limit',
  'comment',
  'mark',
  'statistic',
  'recent',
];

const unknownMatch: MutationKind = {
  name: 'unknown-match',
  sites: isRule,
  apply(f, i, rng) {
    const li = f.info[i];
    const ms = (li.groups ?? []).filter((g) => (g.name === '-m' || g.name === '--match') && g.args.length > 0);
    if (ms.length === 0) return replaceLine(f, i, insertBeforeTarget(f, i, '-m nosuchmatch'), 'inserted-nonexistent');
    const g = rng.pick(ms);
    const name = li.tokens[g.args[0]].text;
    const v = rng.int(3);
    if (v === 0) return replaceLine(f, i, replaceWord(f, i, g.args[0], 'nosuchmatch'), 'nonexistent');
    if (v === 1) return replaceLine(f, i, replaceWord(f, i, g.args[0], typo(name, rng).text), 'typo');
    const other = OTHER_MODULES.filter((m) => m !== name);
    return replaceLine(f, i, replaceWord(f, i, g.args[0], rng.pick(other)), 'other-module');
  },
};

const crlf: MutationKind = {
  name: 'crlf-line',
  sites: (f) => linesWhere(f, (li) => li.kind !== 'blank'),
  apply: (f, i) => replaceLine(f, i, `${f.lines[i]}\r`, f.info[i].kind),
};

const BAD_COUNTERS: [string, string][] = [
  ['missing-bytes', '[0:]'],
  ['missing-packets', '[:0]'],
  ['letters', '[x:0]'],
  ['semicolon', '[0;0]'],
  ['negative', '[-1:0]'],
  ['overflow', '[18446744073709551616:0]'],
  ['unclosed', '[0:0'],
  ['unopened', '0:0]'],
  ['three-fields', '[0:0:0]'],
  ['hex', '[0x10:0]'],
  ['max-u64', '[18446744073709551615:5]'],
  ['empty', '[]'],
];

const badChainCounters: MutationKind = {
  name: 'bad-chain-counters',
  sites: (f) => linesWhere(f, (li) => li.kind === 'chain' && li.tokens[2]?.text.startsWith('[') === true),
  apply(f, i, rng) {
    const [variant, text] = rng.pick(BAD_COUNTERS);
    return replaceLine(f, i, replaceWord(f, i, 2, text), variant);
  },
};

const badRuleCounters: MutationKind = {
  name: 'bad-rule-counters',
  sites: (f) => linesWhere(f, (li) => li.kind === 'rule'),
  apply(f, i, rng) {
    const [variant, text] = rng.pick(BAD_COUNTERS);
    // Replace the `[pkts:bytes]` prefix, or add a malformed one.
    if (f.info[i].cmd === 1) return replaceLine(f, i, replaceWord(f, i, 0, text), variant);
    return replaceLine(f, i, `${text} ${f.lines[i]}`, `${variant}-added`);
  },
};

const deleteCommit: MutationKind = {
  name: 'delete-commit',
  sites: (f) => linesWhere(f, (li) => li.kind === 'commit'),
  apply(f, i) {
    const lines = f.lines.slice();
    lines.splice(i, 1);
    const table = f.tables.find((t) => t.commit === i);
    const mutated = [i - 1];
    if (table) mutated.push(table.header);
    if (i < lines.length) mutated.push(i);
    const last = i === f.lines.length - 1 || f.lines.slice(i + 1).every((l) => l.trim() === '' || l[0] === '#');
    return { variant: last ? 'last-table' : 'inner-table', lines, mutated, before: 'COMMIT', after: '' };
  },
};

const unknownTable: MutationKind = {
  name: 'unknown-table',
  sites: (f) => linesWhere(f, (li) => li.kind === 'table'),
  apply(f, i, rng) {
    const name = f.info[i].table;
    const v = rng.int(3);
    if (v === 0) return replaceLine(f, i, `*${typo(name, rng).text}`, 'typo');
    if (v === 1) return replaceLine(f, i, `*${name.toUpperCase()}`, 'upper-case');
    return replaceLine(f, i, `*${rng.pick(['broute', 'inet', 'ip6', 'bridge', 'nat6'])}`, 'foreign');
  },
};

const BUILTIN_POLICIES = ['REJECT', 'RETURN', 'accept', 'QUEUE', '-', 'DROPX', 'LOG', 'drop'];

const badPolicy: MutationKind = {
  name: 'bad-policy',
  sites: (f) => linesWhere(f, (li) => li.kind === 'chain' && li.tokens.length >= 2),
  apply(f, i, rng) {
    const li = f.info[i];
    const builtin =
      isBuiltinTable(li.table) && (TABLE_HOOKS[li.table as TableName] as readonly string[]).includes(li.chain!);
    if (builtin) {
      if (rng.chance(0.1))
        return replaceLine(
          f,
          i,
          spliceText(f, i, li.tokens[0].span.endCharacter, li.tokens[1].span.endCharacter, ''),
          'builtin-no-policy',
        );
      const p = rng.pick(BUILTIN_POLICIES.filter((x) => x !== li.tokens[1].text));
      return replaceLine(f, i, replaceWord(f, i, 1, p), `builtin-${p}`);
    }
    const p = rng.pick(['ACCEPT', 'DROP']);
    return replaceLine(f, i, replaceWord(f, i, 1, p), `user-${p}`);
  },
};

const chainTwice: MutationKind = {
  name: 'chain-declared-twice',
  sites: (f) => linesWhere(f, (li) => li.kind === 'chain'),
  apply(f, i, rng) {
    const li = f.info[i];
    const builtin =
      isBuiltinTable(li.table) && (TABLE_HOOKS[li.table as TableName] as readonly string[]).includes(li.chain!);
    const kind = builtin ? 'builtin' : 'user';
    const table = f.tables.find((t) => t.name === li.table && t.header < i && (t.commit > i || t.commit < 0));
    if (table && table.commit > 0 && rng.chance(0.5))
      return insertLine(f, table.commit, f.lines[i], `${kind}-before-commit`);
    return insertLine(f, i + 1, f.lines[i], `${kind}-adjacent`);
  },
};

const chainWrongTable: MutationKind = {
  name: 'chain-decl-wrong-table',
  sites: (f) => linesWhere(f, (li) => li.kind === 'table' && isBuiltinTable(li.table)),
  apply(f, i, rng) {
    const table = f.info[i].table as TableName;
    const foreign = ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'].filter(
      (h) => !(TABLE_HOOKS[table] as readonly string[]).includes(h),
    );
    if (foreign.length === 0 || rng.chance(0.25)) {
      return insertLine(f, i + 1, `:MUTANT_CHAIN ${rng.pick(['ACCEPT', 'DROP'])} [0:0]`, 'user-chain-with-policy');
    }
    const h = rng.pick(foreign);
    return insertLine(f, i + 1, `:${h} ${rng.pick(['ACCEPT', 'DROP'])} [0:0]`, `${h.toLowerCase()}-in-${table}`);
  },
};

/** Lines of the same table that append to or jump to `chain`. */
function chainUses(f: BaseFile, table: string, chain: string): number[] {
  return linesWhere(
    f,
    (li) =>
      li.kind === 'rule' &&
      li.table === table &&
      (li.chain === chain || (li.target !== undefined && li.tokens[li.target.args[0]]?.text === chain)),
  );
}

const deleteChainDecl: MutationKind = {
  name: 'delete-chain-decl',
  sites: (f) =>
    linesWhere(
      f,
      (li) => li.kind === 'chain' && li.tokens[1]?.text === '-' && chainUses(f, li.table, li.chain!).length > 0,
    ),
  apply(f, i): Edit {
    const li = f.info[i];
    const lines = f.lines.slice();
    lines.splice(i, 1);
    const uses = chainUses(f, li.table, li.chain!).map((u) => (u > i ? u - 1 : u));
    return { variant: 'user-chain', lines, mutated: uses, before: f.lines[i], after: '' };
  },
};

const lineOutsideTable: MutationKind = {
  name: 'line-outside-table',
  sites: (f) => linesWhere(f, (li) => li.kind === 'rule' || li.kind === 'chain'),
  apply(f, i, rng) {
    const li = f.info[i];
    const table = f.tables.find((t) => t.header < i && (t.commit > i || t.commit < 0));
    if (!table || table.commit < 0) return undefined;
    // Before the first `*table`, or right after this table's COMMIT.
    if (rng.chance(0.5)) return insertLine(f, table.commit + 1, f.lines[i], `${li.kind}-after-commit`);
    const first = f.tables[0].header;
    return insertLine(f, first, f.lines[i], `${li.kind}-before-first-table`);
  },
};

/** The syntax and structure mutation kinds. */
export const SYNTAX_KINDS: MutationKind[] = [
  optionTypo,
  tokenDeleted,
  brokenQuoting,
  negationMisplaced,
  duplicateOption,
  unknownMatch,
  crlf,
  badChainCounters,
  badRuleCounters,
  deleteCommit,
  unknownTable,
  badPolicy,
  chainTwice,
  chainWrongTable,
  deleteChainDecl,
  lineOutsideTable,
];
