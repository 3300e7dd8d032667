/**
 * Parses the words of one iptables command (a line of iptables-restore input, or the arguments of
 * an `iptables` invocation in a shell script) the way iptables 1.8 does: options are resolved
 * with getopt_long semantics against the option table built so far (built-in options first, then
 * each loaded extension's, newest first), so abbreviations, ambiguities, options used before their
 * `-m`, implicit protocol matches (`-p tcp --dport 22`) and "can only be used once" errors all
 * behave as in iptables. Kernel-side checks (tables, hooks, protocol requirements) are not done
 * here but in the analyses.
 */
import type {
  Command,
  CommandOp,
  Diagnostic,
  Family,
  MatchUse,
  OptionUse,
  Rule,
  RuleBase,
  Span,
  TargetUse,
  Token,
} from '../model';
import { isBuiltinTable } from '../model';
import { parseArg } from '../registry/argtypes';
import {
  findMatch,
  findTarget,
  matchOfOtherFamily,
  protocolMatch,
  STANDARD_VERDICTS,
  targetOfOtherFamily,
} from '../registry/index';
import type { ArgSpec, OptionSpec } from '../registry/types';
import {
  BUILTIN_EXACT,
  BUILTIN_LONG,
  BUILTIN_SHORT,
  builtinInFamily,
  CHAIN,
  COMMAND_OPS,
  type Loaded,
  optionTableFor,
  RULE_OPS,
  sameOwner,
  type TableEntry,
} from './optionTable';
import { closestOptionName, suggestModuleFor } from './suggest';
import { endOf, isLineToken, ParsedOption, ParsedTarget, spanFromTokens, startOf } from './uses';

function spanOf(tokens: Token[], from: number, to: number): Span {
  return spanFromTokens(tokens[from], tokens[Math.max(from, to)]);
}

/** An argument attached to its option word (`--opt=value`, `-ieth0`): same place, other text. */
function attach(optTok: Token, text: string): Token {
  return isLineToken(optTok) ? optTok.withText(text) : { ...optTok, text };
}

export interface CommandContext {
  family: Family;
  /** `restore`: a line inside `*table` of iptables-restore input (`-t` is not allowed). */
  mode: 'restore' | 'shell';
  /** Table in effect (restore: the current `*table`; shell: `filter` unless `-t` is given). */
  table: string;
  /** Allocates rule ids. */
  nextRuleId: () => number;
  /** Counters from a `[pkts:bytes]` prefix (restore input). */
  counters?: Rule['counters'];
  /** Span of the whole command (defaults to the tokens' extent). */
  span?: Span;
  /**
   * The source line the tokens come from (restore input): the rule text is then sliced from it
   * rather than rebuilt from the words (cheaper, and exactly as written).
   */
  sourceLine?: string;
  /**
   * Told about every word whose value was checked, with the argument type it was checked as (the
   * save parser's fast lane learns from it which words of a command shape carry values).
   */
  onValue?: (token: Token, arg: ArgSpec) => void;
}

export interface CommandParseResult {
  command?: Command;
  diagnostics: Diagnostic[];
}

/**
 * The checks of a -j/-g name that is not a target extension (so a chain): a target that exists
 * only for the other family (-j), whitespace or control characters, then the chain-name rules.
 * Shared with the save parser's fast lane (shapes.ts), which must refuse exactly the names
 * reported here.
 */
export function checkChainTarget(
  name: string,
  jump: boolean,
  family: Family,
  report: (message: string, code: string, data?: Record<string, unknown>) => void,
): void {
  if (jump && targetOfOtherFamily(name, family) && !STANDARD_VERDICTS.has(name))
    report(`target "${name}" exists only for IPv${family === 4 ? 6 : 4}`, 'unknown-target', { target: name });
  if (/[\s\x00-\x1f]/.test(name)) {
    report(`Invalid target name \`${name.replace(/\n/g, '\\n').replace(/\r/g, '\\r')}'`, 'bad-chain-name');
    return;
  }
  const r = parseArg(name, CHAIN, family);
  if (r.error) report(r.error, r.code ?? 'bad-argument');
}

/**
 * Parses one command. Never throws; problems become diagnostics, and a command with errors is
 * marked `broken` (it is reported but not applied to the ruleset).
 */
export function parseCommand(tokens: Token[], ctx: CommandContext): CommandParseResult {
  const diagnostics: Diagnostic[] = [];
  const family = ctx.family;
  let broken = false;
  const err = (span: Span, message: string, code: string, data?: Record<string, unknown>) => {
    diagnostics.push({ code, severity: 'error', message, span, data });
    broken = true;
  };
  if (tokens.length === 0) return { diagnostics };

  let op: CommandOp | undefined;
  let opLetter = '';
  let opTok: Token | undefined;
  let chain: string | undefined;
  let chainSpan: Span | undefined;
  let ruleNum: number | undefined;
  let argument: string | undefined;
  let argumentSpan: Span | undefined;
  let table = ctx.table;
  const base: RuleBase = {};
  const matches: MatchUse[] = [];
  let target: TargetUse | undefined;
  let targetLoaded: Loaded | undefined;
  const loadedMatches: Loaded[] = [];
  let protoUsed = false;
  let unknownModule = false;
  let counters = ctx.counters;
  let bodyStart = -1;

  let invert = false;
  let invertTok: Token | undefined;

  const commandSpan = ctx.span ?? spanOf(tokens, 0, tokens.length - 1);

  const lookupExact = (name: string): TableEntry | undefined => {
    if (targetLoaded) {
      const e = targetLoaded.exact.get(name);
      if (e) return e;
    }
    const b = BUILTIN_EXACT.get(name);
    if (b && builtinInFamily(b, family)) return b;
    // newest module first, as xtables_merge_options() places new options before old ones
    for (let k = loadedMatches.length - 1; k >= 0; k--) {
      const e = loadedMatches[k].exact.get(name);
      if (e) return e;
    }
    return undefined;
  };

  /** getopt_long resolution: exact name, else a unique prefix. */
  const resolveLong = (name: string): { entry?: TableEntry; ambiguous?: string[] } => {
    const exact = lookupExact(name);
    if (exact) return { entry: exact };
    let found: TableEntry | undefined;
    const candidates: string[] = [];
    let ambiguous = false;
    const consider = (e: TableEntry) => {
      if (!e.long.startsWith(name)) return;
      candidates.push(`--${e.long}`);
      if (!found) found = e;
      else if (found.spec !== e.spec || !sameOwner(found.owner, e.owner)) ambiguous = true;
    };
    for (const e of BUILTIN_LONG) if (builtinInFamily(e, family)) consider(e);
    if (targetLoaded) for (const e of targetLoaded.entries) consider(e);
    for (let k = loadedMatches.length - 1; k >= 0; k--) for (const e of loadedMatches[k].entries) consider(e);
    if (ambiguous) return { ambiguous: candidates };
    return { entry: found };
  };

  const loadMatch = (name: string, first: Token, last: Token, implicit: boolean): Loaded | undefined => {
    const spec = findMatch(name, family);
    // The registry's own string when it is the same name: one string for all rules using it.
    const module = spec !== undefined && spec.name === name ? spec.name : name;
    const use: MatchUse = { module, implicit, span: spanFromTokens(first, last), options: [], known: !!spec };
    matches.push(use);
    if (!spec) {
      const span = use.span;
      const other = matchOfOtherFamily(name, family);
      err(
        span,
        other
          ? `match "${name}" exists only for IPv${family === 4 ? 6 : 4} (${family === 4 ? 'ip6tables' : 'iptables'})`
          : `Couldn't load match \`${name}': no such match extension`,
        'unknown-match',
        { module: name },
      );
      unknownModule = true;
      return undefined;
    }
    for (const l of loadedMatches) if (l.spec.name === spec.name) l.completed = true;
    const table = optionTableFor(spec, family);
    const loaded: Loaded = { spec, entries: table.entries, exact: table.exact, use, seen: [], completed: false };
    loadedMatches.push(loaded);
    if (spec.deprecated) {
      diagnostics.push({
        code: 'deprecated-match',
        severity: 'information',
        message: spec.deprecated,
        span: use.span,
        data: { module: name },
      });
    }
    return loaded;
  };

  /** iptables' load_proto(): implicitly load the match of the `-p` protocol. */
  const tryLoadProto = (): boolean => {
    if (protoUsed || !base.protocol || base.protocol.value === undefined) return false;
    const proto = base.protocol.args[0]?.text ?? '';
    const m = protocolMatch(proto, family);
    if (!m) return false;
    protoUsed = true;
    const p = base.protocol as ParsedOption;
    return loadMatch(m, p.firstToken(), p.lastToken(), true) !== undefined;
  };

  const readArgs = (
    i: number,
    entry: TableEntry,
    optTok: Token,
    attached: string | undefined,
  ): { args: Token[]; next: number; ok: boolean } => {
    const spec = entry.spec;
    const args: Token[] = [];
    let next = i + 1;
    if (spec.args.length === 0) {
      if (attached !== undefined && !spec.optionalArg) {
        err(optTok.span, `option "${optTok.text}" doesn't allow an argument`, 'unexpected-argument');
        return { args, next, ok: false };
      }
      if (spec.optionalArg) {
        if (attached !== undefined) args.push(attach(optTok, attached));
        else if (next < tokens.length && !tokens[next].text.startsWith('-') && tokens[next].text !== '!') {
          // iptables' xs_has_arg(): a following word that is not an option is the optional argument
          args.push(tokens[next]);
          next++;
        }
      }
      return { args, next, ok: true };
    }
    for (let k = 0; k < spec.args.length; k++) {
      if (k === 0 && attached !== undefined) {
        args.push(attach(optTok, attached));
        continue;
      }
      const t = tokens[next];
      if (k === 0 && t && t.text === '!' && !t.quoted && spec.negatable && next + 1 < tokens.length) {
        // Old "--opt ! value" form: iptables 1.8 takes "!" as the value and fails; keep the real
        // value with it so the one error reported is the negation's (see evaluateArgs).
        args.push(t, tokens[next + 1]);
        next += 2;
        continue;
      }
      // getopt takes the next word whatever it is for the first argument; extra arguments are read
      // by the extension itself, which refuses words starting with '-' or '!'.
      if (!t || (k > 0 && (t.text.startsWith('-') || t.text.startsWith('!')))) {
        err(
          optTok.span,
          k === 0
            ? `option "${optTok.text}" requires an argument`
            : `option "${optTok.text}" requires ${spec.args.length} arguments (${spec.args.map((a) => a.placeholder).join(' ')})`,
          'missing-argument',
          { option: entry.spec.name },
        );
        return { args, next, ok: false };
      }
      args.push(t);
      next++;
    }
    // exact-size array (see the note on retained rules below)
    return { args: args.length === 1 ? [args[0]] : args.slice(), next, ok: true };
  };

  const makeOption = (entry: TableEntry, optTok: Token, args: Token[], negated: boolean, negTok?: Token): OptionUse =>
    new ParsedOption(entry.spec.name, optTok, args, negated, negated ? negTok : undefined);

  /** Parses the arguments' values; reports malformed ones. */
  const evaluateArgs = (opt: OptionUse, spec: OptionSpec) => {
    if (spec.args.length === 0 || opt.args.length === 0) return;
    if (opt.args[0].text === '!' && spec.negatable) {
      err(
        opt.args[0].span,
        `"${opt.written} ! ..." (negation after the option) is no longer accepted: write "! ${opt.written} ..."`,
        'old-negation-syntax',
        { option: opt.written },
      );
      return;
    }
    const values: unknown[] = [];
    for (let k = 0; k < spec.args.length && k < opt.args.length; k++) {
      const tok = opt.args[k];
      if (tok.unknown) {
        values.push(undefined);
        continue;
      }
      const r = parseArg(tok.text, spec.args[k], family);
      ctx.onValue?.(tok, spec.args[k]);
      if (r.error) {
        err(tok.span, r.error, r.code ?? 'bad-argument', { option: spec.name });
        return;
      }
      if (r.note) {
        diagnostics.push({
          code: r.noteCode ?? 'note',
          severity: r.noteSeverity ?? 'hint',
          message: r.note,
          span: tok.span,
        });
      }
      values.push(r.value);
    }
    opt.value = spec.args.length === 1 ? values[0] : values;
  };

  const handleBuiltin = (
    id: string,
    entry: TableEntry,
    optTok: Token,
    args: Token[],
    negated: boolean,
    negTok?: Token,
  ) => {
    const opt = makeOption(entry, optTok, args, negated, negTok);
    if (COMMAND_OPS[id]) {
      if (op) {
        err(optTok.span, `cannot use -${id} with -${opLetter}: only one command per line`, 'multiple-commands');
        return;
      }
      op = COMMAND_OPS[id];
      opLetter = id;
      opTok = optTok;
      if (args[0]) {
        chain = args[0].text;
        chainSpan = args[0].span;
        if (entry.spec.args.length > 0) evaluateArgs(opt, entry.spec);
      }
      return;
    }
    const single = (key: keyof RuleBase, letter: string) => {
      if (base[key]) {
        err(optTok.span, `multiple -${letter} flags not allowed`, 'duplicate-option', { option: letter });
        return;
      }
      base[key] = opt;
      evaluateArgs(opt, entry.spec);
    };
    switch (id) {
      case 'p':
        single('protocol', 'p');
        return;
      case 's':
        single('source', 's');
        return;
      case 'd':
        single('destination', 'd');
        return;
      case 'i':
        single('inInterface', 'i');
        return;
      case 'o':
        single('outInterface', 'o');
        return;
      case 'f':
        single('fragment', 'f');
        return;
      case 't': {
        if (ctx.mode === 'restore') {
          err(
            optTok.span,
            'the -t option cannot be used in iptables-restore input (the table is set by *table)',
            'table-in-restore',
          );
          return;
        }
        const name = args[0]?.text ?? '';
        if (!isBuiltinTable(name))
          err(
            args[0]?.span ?? optTok.span,
            `can't initialize iptables table \`${name}': Table does not exist`,
            'unknown-table',
            { table: name },
          );
        table = name;
        return;
      }
      case 'm': {
        // iptables stops at "unexpected ! flag before --match"; we load the match anyway so its
        // options are not reported again.
        if (negated) err((negTok ?? optTok).span, 'unexpected ! flag before --match', 'bad-negation');
        const name = args[0]?.text ?? '';
        loadMatch(name, optTok, args[0] ?? optTok, false);
        return;
      }
      case 'j':
      case 'g': {
        if (target) {
          err(optTok.span, `multiple -j or -g flags not allowed`, 'duplicate-option', { option: id });
          return;
        }
        const nameTok = args[0];
        const name = nameTok?.text ?? '';
        const spec = id === 'j' ? findTarget(name, family) : undefined;
        target = new ParsedTarget(name, id === 'j' ? 'jump' : 'goto', !!spec, optTok, nameTok);
        if (spec) {
          const table = optionTableFor(spec, family);
          targetLoaded = {
            spec,
            entries: table.entries,
            exact: table.exact,
            use: target,
            seen: [],
            completed: false,
          };
          if (spec.deprecated) {
            diagnostics.push({
              code: 'deprecated-target',
              severity: 'information',
              message: spec.deprecated,
              span: target.nameSpan,
              data: { target: name },
            });
          }
        } else if (nameTok) {
          const at = nameTok.span;
          checkChainTarget(name, id === 'j', family, (message, code, data) => err(at, message, code, data));
          if (!/[\s\x00-\x1f]/.test(name)) ctx.onValue?.(nameTok, CHAIN);
        }
        return;
      }
      case 'c': {
        const p = /^[0-9]+$/.test(args[0]?.text ?? '') ? BigInt(args[0].text) : undefined;
        const b = /^[0-9]+$/.test(args[1]?.text ?? '') ? BigInt(args[1].text) : undefined;
        if (p === undefined || b === undefined) {
          err(opt.span, '-c requires packet and byte counter values (two numbers)', 'bad-argument');
          return;
        }
        counters = { packets: p, bytes: b, span: opt.span };
        return;
      }
      case 'w':
      case 'W':
        if (ctx.mode === 'restore') {
          err(
            optTok.span,
            `You cannot use \`${optTok.text}' from iptables-restore (give it to iptables-restore itself)`,
            'option-in-restore',
          );
        }
        return;
      case 'h':
      case 'V':
        if (ctx.mode === 'restore') {
          err(
            optTok.span,
            `${optTok.text} makes iptables-restore print ${id === 'h' ? 'its help' : 'its version'} and stop without loading anything`,
            'option-in-restore',
          );
        }
        return;
      default:
        // -v -n -x --line-numbers --modprobe -4 -6: accepted, no effect on the ruleset
        return;
    }
  };

  const dispatchExtensionOption = (
    entry: TableEntry,
    optTok: Token,
    args: Token[],
    negated: boolean,
    negTok?: Token,
  ) => {
    let loaded: Loaded | undefined;
    if (entry.owner.kind === 'target') loaded = targetLoaded;
    else {
      const module = (entry.owner as { module: string }).module;
      for (let k = loadedMatches.length - 1; k >= 0; k--) {
        const l = loadedMatches[k];
        if (l.spec.name === module && !l.completed) {
          loaded = l;
          break;
        }
      }
      if (!loaded) {
        // Only completed instances remain: iptables hands the option to the first one whose
        // option range contains it, which is the newest instance of that module.
        for (let k = loadedMatches.length - 1; k >= 0; k--) {
          if (loadedMatches[k].spec.name === module) {
            loaded = loadedMatches[k];
            break;
          }
        }
      }
    }
    if (!loaded) return;
    const opt = makeOption(entry, optTok, args, negated, negTok);
    if (negated && !entry.spec.negatable) {
      err(
        (negTok ?? optTok).span,
        `${loaded.spec.name}: option "--${entry.spec.name}" cannot be inverted`,
        'bad-negation',
        { option: entry.spec.name },
      );
    }
    if (loaded.seen.includes(entry.spec.name) && !entry.spec.repeatable) {
      err(optTok.span, `${loaded.spec.name}: option "--${entry.spec.name}" can only be used once`, 'duplicate-option', {
        option: entry.spec.name,
      });
    }
    for (const c of entry.spec.conflicts ?? []) {
      if (loaded.seen.includes(c)) {
        err(
          optTok.span,
          `${loaded.spec.name}: "--${entry.spec.name}" cannot be used together with "--${c}"`,
          'conflicting-options',
          { option: entry.spec.name, other: c },
        );
      }
    }
    if (!loaded.seen.includes(entry.spec.name)) loaded.seen.push(entry.spec.name);
    if (entry.spec.deprecated) {
      diagnostics.push({
        code: 'deprecated-option',
        severity: 'information',
        message: entry.spec.deprecated,
        span: optTok.span,
        data: { option: entry.spec.name },
      });
    }
    evaluateArgs(opt, entry.spec);
    loaded.use.options.push(opt);
  };

  /** Explains an unknown option: which module would have it, or that -p is missing. */
  const unknownOption = (optTok: Token, name: string, ambiguous?: string[]) => {
    if (unknownModule) {
      broken = true;
      return;
    }
    if (ambiguous && ambiguous.length > 1) {
      err(
        optTok.span,
        `unknown option "${optTok.text}": ambiguous abbreviation (${ambiguous.slice(0, 6).join(', ')})`,
        'unknown-option',
        { option: name },
      );
      return;
    }
    const hint = suggestModuleFor(name, family, base.protocol?.args[0]?.text);
    if (hint?.kind === 'protocol') {
      err(
        optTok.span,
        `unknown option "${optTok.text}": it needs -p ${hint.protocols.join('|')} (the ${hint.module} match) before it`,
        'port-needs-protocol',
        { option: name, module: hint.module, protocols: hint.protocols },
      );
      return;
    }
    if (hint?.kind === 'module') {
      err(
        optTok.span,
        `unknown option "${optTok.text}": it belongs to ${hint.what} \`${hint.module}', which is not loaded here (add "${hint.what === 'match' ? '-m' : '-j'} ${hint.module}" before it)`,
        'option-needs-module',
        {
          option: name,
          module: hint.module,
          what: hint.what,
        },
      );
      return;
    }
    const names: string[] = [];
    for (const e of BUILTIN_LONG) if (builtinInFamily(e, family)) names.push(e.long);
    if (targetLoaded) for (const e of targetLoaded.entries) names.push(e.long);
    for (const l of loadedMatches) for (const e of l.entries) names.push(e.long);
    const suggestion = closestOptionName(name, names);
    if (suggestion) {
      err(optTok.span, `unknown option "${optTok.text}" (did you mean "--${suggestion}"?)`, 'unknown-option', {
        option: name,
        suggestion,
      });
      return;
    }
    err(optTok.span, `unknown option "${optTok.text}"`, 'unknown-option', { option: name });
  };

  let i = 0;
  while (i < tokens.length) {
    const tok = tokens[i];
    const t = tok.text;
    if (t === '!' && !tok.quoted) {
      if (invert) err(tok.span, 'multiple consecutive ! not allowed', 'bad-negation');
      invert = true;
      invertTok = tok;
      i++;
      continue;
    }
    const negated = invert;
    const negTok = invertTok;
    invert = false;
    invertTok = undefined;

    if (t.startsWith('--') && t.length > 2) {
      const eq = t.indexOf('=');
      const name = eq > 0 ? t.slice(2, eq) : t.slice(2);
      const attached = eq > 0 ? t.slice(eq + 1) : undefined;
      let r = resolveLong(name);
      if (!r.entry && tryLoadProto()) r = resolveLong(name);
      // After a match we do not know, an abbreviation that happens to prefix a built-in option
      // (`--pol` of `-m policy` vs `--policy`) is more likely that match's option.
      if (unknownModule && r.entry?.owner.kind === 'builtin' && r.entry.long !== name) r = {};
      if (!r.entry) {
        unknownOption(tok, name, r.ambiguous);
        i = skipArgs(tokens, i + 1);
        continue;
      }
      const { args, next, ok } = readArgs(i, r.entry, tok, attached);
      if (bodyStart < 0 && r.entry.owner.kind !== 'builtin') bodyStart = i;
      if (ok) {
        if (r.entry.owner.kind === 'builtin') handleBuiltin(r.entry.owner.id, r.entry, tok, args, negated, negTok);
        else dispatchExtensionOption(r.entry, tok, args, negated, negTok);
        checkBuiltinNegation(r.entry, tok, negated, negTok);
      }
      i = next;
      continue;
    }
    if (t.startsWith('-') && t.length > 1 && t !== '-') {
      // short option, possibly clustered (-nvL) or with an attached argument (-ieth0)
      const letter = t[1];
      const shortEntry = BUILTIN_SHORT.get(letter);
      const entry = shortEntry && builtinInFamily(shortEntry, family) ? shortEntry : undefined;
      if (!entry) {
        // extensions have no short options, so loading the protocol match cannot help
        unknownOption(tok, t.slice(1), undefined);
        i = skipArgs(tokens, i + 1);
        continue;
      }
      const rest = t.slice(2);
      if (rest.length > 0 && entry.spec.args.length === 0 && !entry.spec.optionalArg) {
        // a cluster of flags: every letter must be a flag
        let okCluster = true;
        for (const ch of rest) {
          const e = BUILTIN_SHORT.get(ch);
          if (!e) {
            err(tok.span, `unknown option "-${ch}"`, 'unknown-option', { option: ch });
            okCluster = false;
            break;
          }
          if (COMMAND_OPS[e.owner.kind === 'builtin' ? e.owner.id : '']) {
            handleBuiltin((e.owner as { id: string }).id, e, tok, [], false);
          }
        }
        if (okCluster) handleBuiltin((entry.owner as { id: string }).id, entry, tok, [], negated, negTok);
        i++;
        continue;
      }
      const { args, next, ok } = readArgs(i, entry, tok, rest.length > 0 ? rest : undefined);
      if (ok) {
        handleBuiltin((entry.owner as { id: string }).id, entry, tok, args, negated, negTok);
        checkBuiltinNegation(entry, tok, negated, negTok);
      }
      i = next;
      continue;
    }
    // A non-option word. Commands take positional extras: -I/-D/-R/-Z rule numbers, -P target,
    // -E new name, -L/-F/-X/-Z chain; anything else is "Bad argument".
    if (op && !negated) {
      const consumed = positional(tok);
      if (consumed) {
        i++;
        continue;
      }
    }
    if (t === '!') {
      i++;
      continue;
    }
    err(tok.span, `Bad argument \`${t}'`, 'unexpected-argument', { argument: t });
    i++;
  }
  if (invert && invertTok) err(invertTok.span, 'nothing appropriate following !', 'bad-negation');

  function positional(tok: Token): boolean {
    switch (op) {
      case 'insert':
      case 'replace':
      case 'delete':
      case 'zero':
        if (
          ruleNum === undefined &&
          /^[0-9]+$/.test(tok.text) &&
          (op !== 'zero' || chain !== undefined) &&
          bodyStart < 0 &&
          !hasRuleBody()
        ) {
          ruleNum = Number(tok.text);
          if (ruleNum === 0) err(tok.span, "Invalid rule number `0'", 'bad-rule-number');
          return true;
        }
        if (op === 'zero' && chain === undefined) {
          chain = tok.text;
          chainSpan = tok.span;
          return true;
        }
        return false;
      case 'policy':
      case 'rename-chain':
        if (argument === undefined) {
          argument = tok.text;
          argumentSpan = tok.span;
          return true;
        }
        return false;
      case 'list':
      case 'flush':
      case 'delete-chain':
        if (chain === undefined) {
          chain = tok.text;
          chainSpan = tok.span;
          return true;
        }
        return false;
      default:
        return false;
    }
  }

  function hasRuleBody(): boolean {
    return !!(
      base.protocol ||
      base.source ||
      base.destination ||
      base.inInterface ||
      base.outInterface ||
      base.fragment ||
      matches.length ||
      target
    );
  }

  function checkBuiltinNegation(entry: TableEntry, tok: Token, negated: boolean, negTok?: Token) {
    if (negated && entry.owner.kind === 'builtin' && !entry.spec.negatable && entry.owner.id !== 'm') {
      err((negTok ?? tok).span, `cannot have ! before ${tok.text}`, 'bad-negation');
    }
  }

  // ---- post-parse checks (iptables' generic_opt_check and the extensions' final checks)
  if (!op) {
    if (!broken) err(tokens[0].span, 'no command specified (expected -A, -I, -N, -P, ...)', 'missing-command');
    return { diagnostics };
  }
  if (op !== 'list' && op !== 'flush' && op !== 'delete-chain' && op !== 'zero' && chain === undefined) {
    err(opTok?.span ?? commandSpan, `-${opLetter} requires a chain name`, 'missing-argument');
  }
  if (op === 'replace' && ruleNum === undefined && !broken) {
    err(opTok?.span ?? commandSpan, '-R requires a rule number', 'missing-argument');
  }
  if (op === 'policy' && argument === undefined && !broken) {
    err(opTok?.span ?? commandSpan, '-P requires a chain and a policy (ACCEPT or DROP)', 'missing-argument');
  }
  if (op === 'rename-chain' && argument === undefined && !broken) {
    err(opTok?.span ?? commandSpan, '-E requires the old and the new chain name', 'missing-argument');
  }
  const isRuleOp = RULE_OPS.has(op) && !(op === 'delete' && ruleNum !== undefined);
  if (!isRuleOp && hasRuleBody() && !broken) {
    err(opTok?.span ?? commandSpan, `-${opLetter} does not take rule options`, 'unexpected-argument');
  }
  if (isRuleOp) {
    for (const l of loadedMatches) checkRequired(l);
    if (targetLoaded) checkRequired(targetLoaded);
  }

  function checkRequired(l: Loaded) {
    for (const group of l.spec.requireOneOf ?? []) {
      if (!group.some((g) => l.seen.includes(g))) {
        const what = l.spec.kind === 'match' ? 'match' : 'target';
        err(
          l.use.span,
          group.length === 1
            ? `${l.spec.name} ${what}: option --${group[0]} is required`
            : `${l.spec.name} ${what}: one of ${group.map((g) => `--${g}`).join(', ')} is required`,
          'missing-required-option',
          { module: l.spec.name, options: group },
        );
      }
    }
  }

  let rule: Rule | undefined;
  if (isRuleOp) {
    // Arrays grown by push keep 16+ slots; rules are retained by the thousand, so store exact sizes.
    for (let k = 0; k < matches.length; k++) matches[k].options = matches[k].options.slice();
    if (target) target.options = target.options.slice();
    rule = {
      table,
      chain: chain ?? '',
      family,
      text: bodyText(tokens, bodyStartIndex(tokens), ctx.sourceLine),
      span: commandSpan,
      line: commandSpan.line,
      base,
      matches: matches.slice(),
      target,
      counters,
      id: ctx.nextRuleId(),
      broken: broken || undefined,
    };
  }

  const command: Command = {
    op,
    family,
    table,
    chain,
    chainSpan,
    ruleNum,
    argument,
    argumentSpan,
    rule,
    span: commandSpan,
    line: commandSpan.line,
    broken,
  };
  return { command, diagnostics };
}

/** After an unknown option, skip the words that look like its arguments. */
function skipArgs(tokens: Token[], i: number): number {
  while (i < tokens.length && !tokens[i].text.startsWith('-') && tokens[i].text !== '!') i++;
  return i;
}

/** Index of the first word after the command letter and its chain (where the rule body starts). */
function bodyStartIndex(tokens: Token[]): number {
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k].text;
    if (/^-[ACDIR]$/.test(t) || /^--(append|check|delete|insert|replace)$/.test(t)) {
      let j = k + 2;
      if (j < tokens.length && /^[0-9]+$/.test(tokens[j].text) && /^-[IDR]$|^--(insert|delete|replace)$/.test(t)) j++;
      return Math.min(j, tokens.length);
    }
  }
  return 0;
}

function quoteWord(w: string): string {
  if (w === '') return '""';
  if (/[\s"\\]/.test(w)) return `"${w.replace(/(["\\])/g, '\\$1')}"`;
  return w;
}

function bodyText(tokens: Token[], from: number, sourceLine: string | undefined): string {
  if (sourceLine === undefined || from >= tokens.length) return ruleText(tokens, from);
  // Flatten: a slice of a very long document string would otherwise keep a rope alive.
  return sourceLine.slice(startOf(tokens[from]), endOf(tokens[tokens.length - 1]));
}

/** The rule body as text, without the command and chain, words re-quoted where needed. */
export function ruleText(tokens: Token[], from: number): string {
  let s = '';
  for (let k = from; k < tokens.length; k++) {
    const t = tokens[k];
    if (k > from) s += ' ';
    s += t.quoted ? quoteWord(t.text) : t.text;
  }
  return s;
}
