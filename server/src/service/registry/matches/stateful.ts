/**
 * Match extensions with state or context: rates, address lists, ipsets, time, accounting, comments.
 * One declarative entry per extension (schema in ../types.ts): option names and aliases, negation
 * and repetition as iptables 1.8.9 registers them; kernel restrictions as verified by loading rules
 * into a network namespace. Documentation is our own wording.
 */
import { NETMASK_LEN, U64_MAX } from '../common';
import type { MatchSpec } from '../types';

export const STATEFUL_MATCHES: readonly MatchSpec[] = [
  {
    kind: 'match',
    name: 'comment',
    families: [4, 6],
    summary: 'Attach a comment to the rule',
    doc: 'Always matches; only carries a text (iptables keeps at most 255 characters) that iptables-save prints back. Useful to say why a rule exists; it has no effect on packets.',
    requireOneOf: [['comment']],
    options: [
      {
        name: 'comment',
        args: [{ type: 'string', placeholder: 'text', truncate: 255 }],
        doc: 'The comment text (quote it if it contains spaces).',
      },
    ],
  },
  {
    kind: 'match',
    name: 'limit',
    families: [4, 6],
    summary: 'Rate limit (token bucket), shared by all packets of the rule',
    doc: 'Matches until the average rate is exceeded, with an initial burst. One bucket for the whole rule: it limits the total, not per client (use hashlimit for that). Often combined with LOG to avoid log floods.',
    options: [
      {
        name: 'limit',
        args: [{ type: 'rate', placeholder: 'rate[/second|/minute|/hour|/day]' }],
        doc: 'Average rate; default 3/hour.',
      },
      {
        name: 'limit-burst',
        args: [{ type: 'uint', placeholder: 'number', min: 0, max: 10000 }],
        doc: 'Number of packets that may match in a burst before the rate applies; default 5.',
      },
    ],
  },
  {
    kind: 'match',
    name: 'hashlimit',
    families: [4, 6],
    summary: 'Rate limit per address/port bucket',
    doc: 'Like `limit`, but keeps one token bucket per group of packets (per source IP, destination port... as chosen by `--hashlimit-mode`), in a table named by `--hashlimit-name`. `--hashlimit-upto` matches while under the rate; `--hashlimit-above` matches once over it (typical with DROP).',
    requireOneOf: [['hashlimit-upto', 'hashlimit-above'], ['hashlimit-name']],
    options: [
      {
        name: 'hashlimit-upto',
        aliases: ['hashlimit'],
        args: [{ type: 'rate', placeholder: 'amount[/unit]', values: ['bytes'] }],
        negatable: true,
        conflicts: ['hashlimit-above'],
        doc: 'Matches while the rate of the bucket is at or below this (packets or bytes per second/minute/hour/day).',
      },
      {
        name: 'hashlimit-above',
        args: [{ type: 'rate', placeholder: 'amount[/unit]', values: ['bytes'] }],
        negatable: true,
        conflicts: ['hashlimit-upto'],
        doc: 'Matches when the rate of the bucket is above this.',
      },
      {
        name: 'hashlimit-srcmask',
        args: [NETMASK_LEN],
        doc: 'Group source addresses by this prefix length.',
      },
      {
        name: 'hashlimit-dstmask',
        args: [NETMASK_LEN],
        doc: 'Group destination addresses by this prefix length.',
      },
      {
        name: 'hashlimit-burst',
        args: [{ type: 'size', placeholder: 'amount' }],
        doc: 'Bucket size: packets (or bytes with a byte rate) allowed in a burst; default 5.',
      },
      {
        name: 'hashlimit-htable-size',
        args: [{ type: 'uint', placeholder: 'buckets' }],
        doc: 'Number of buckets of the hash table.',
      },
      {
        name: 'hashlimit-htable-max',
        args: [{ type: 'uint', placeholder: 'entries' }],
        doc: 'Maximum number of entries in the hash table.',
      },
      {
        name: 'hashlimit-htable-gcinterval',
        args: [{ type: 'uint', placeholder: 'ms' }],
        doc: 'Milliseconds between garbage collection runs.',
      },
      {
        name: 'hashlimit-htable-expire',
        args: [{ type: 'uint', placeholder: 'ms' }],
        doc: 'Milliseconds after which an idle entry expires.',
      },
      {
        name: 'hashlimit-mode',
        args: [
          {
            type: 'enum-list',
            placeholder: 'srcip,srcport,dstip,dstport',
            values: ['srcip', 'srcport', 'dstip', 'dstport'],
          },
        ],
        doc: 'What identifies a bucket; without it, one bucket for everything.',
      },
      {
        name: 'hashlimit-name',
        args: [{ type: 'string', placeholder: 'name', truncate: 15 }],
        doc: 'Name of the table (shown in /proc/net/ipt_hashlimit/; iptables keeps 15 characters); rules with the same name share buckets.',
      },
      {
        name: 'hashlimit-rate-match',
        args: [],
        doc: 'Classify flows by their measured rate instead of rate-limiting them.',
      },
      {
        name: 'hashlimit-rate-interval',
        args: [{ type: 'uint', placeholder: 'seconds' }],
        doc: 'Interval for --hashlimit-rate-match.',
      },
    ],
  },
  {
    kind: 'match',
    name: 'recent',
    families: [4, 6],
    summary: 'Remember addresses in a named list and test them later',
    doc: "Keeps a list of recently seen addresses (source by default). `--set` adds the packet's address; `--rcheck`/`--update` test it, optionally within `--seconds` and at least `--hitcount` times. The classic SSH brute-force limiter. Lists are in /proc/net/xt_recent/NAME.",
    requireOneOf: [['set', 'rcheck', 'update', 'remove']],
    options: [
      {
        name: 'set',
        args: [],
        negatable: true,
        conflicts: ['rcheck', 'update', 'remove'],
        doc: 'Add (or refresh) the address in the list; always matches.',
      },
      {
        name: 'rcheck',
        args: [],
        negatable: true,
        conflicts: ['set', 'update', 'remove'],
        doc: 'Matches if the address is in the list.',
      },
      {
        name: 'update',
        args: [],
        negatable: true,
        conflicts: ['set', 'rcheck', 'remove'],
        doc: 'Like --rcheck, and refreshes the last-seen time when it matches.',
      },
      {
        name: 'remove',
        args: [],
        negatable: true,
        conflicts: ['set', 'rcheck', 'update'],
        doc: 'Matches if the address is in the list, and removes it.',
      },
      {
        name: 'seconds',
        args: [{ type: 'uint', placeholder: 'seconds' }],
        doc: 'Only count sightings within the last N seconds.',
      },
      {
        name: 'reap',
        args: [],
        doc: 'Purge entries older than --seconds (requires --seconds).',
      },
      {
        name: 'hitcount',
        args: [{ type: 'uint', placeholder: 'hits' }],
        doc: "Only match if seen at least this many times (at most the kernel's ip_pkt_list_tot, 255 by default).",
      },
      {
        name: 'rttl',
        args: [],
        conflicts: ['set', 'remove'],
        doc: 'Also require the same TTL as when the address was added (against spoofing).',
      },
      {
        name: 'name',
        args: [{ type: 'string', placeholder: 'name', truncate: 199 }],
        doc: 'List name; default DEFAULT.',
      },
      {
        name: 'rsource',
        args: [],
        doc: 'Use the source address (default).',
      },
      {
        name: 'rdest',
        args: [],
        doc: 'Use the destination address.',
      },
      {
        name: 'mask',
        args: [{ type: 'address', placeholder: 'netmask' }],
        doc: 'Netmask applied to addresses before storing/testing.',
      },
    ],
  },
  {
    kind: 'match',
    name: 'quota',
    families: [4, 6],
    summary: 'Byte quota',
    doc: 'Matches until the given number of bytes has passed through the rule, then stops matching. The counter lives in the rule and restarts when the rule is reloaded.',
    requireOneOf: [['quota']],
    options: [
      {
        name: 'quota',
        args: [{ type: 'uint', placeholder: 'bytes', max: U64_MAX }],
        negatable: true,
        doc: 'Number of bytes.',
      },
    ],
  },
  {
    kind: 'match',
    name: 'statistic',
    families: [4, 6],
    summary: 'Match a random share or every n-th packet',
    doc: 'Matches packets randomly with a probability, or deterministically every n-th packet (a counter per rule). Used for load balancing over several DNAT rules.',
    requireOneOf: [['mode']],
    options: [
      {
        name: 'mode',
        args: [{ type: 'enum', placeholder: 'random|nth', values: ['random', 'nth'] }],
        doc: 'random or nth.',
      },
      {
        name: 'probability',
        args: [{ type: 'float', placeholder: 'p', min: 0, max: 1 }],
        negatable: true,
        conflicts: ['every', 'packet'],
        doc: 'random mode: probability between 0 and 1.',
      },
      {
        name: 'every',
        args: [{ type: 'uint', placeholder: 'n' }],
        negatable: true,
        conflicts: ['probability'],
        doc: 'nth mode: match one packet out of every n. Requires --packet.',
      },
      {
        name: 'packet',
        args: [{ type: 'uint', placeholder: 'p' }],
        conflicts: ['probability'],
        doc: 'nth mode: initial counter value (0 to n-1). Requires --every.',
      },
    ],
  },
  {
    kind: 'match',
    name: 'rateest',
    families: [4, 6],
    summary: 'Compare rates measured by RATEEST targets',
    doc: 'Compares the rate measured by a named rate estimator (created by `-j RATEEST`) with a fixed rate or with another estimator. The estimator must exist when the rule is loaded.',
    requireOneOf: [['rateest', 'rateest1']],
    options: [
      {
        name: 'rateest',
        args: [{ type: 'string', placeholder: 'name' }],
        doc: 'Estimator to test (same as --rateest1).',
      },
      {
        name: 'rateest1',
        args: [{ type: 'string', placeholder: 'name' }],
        doc: 'First estimator.',
      },
      {
        name: 'rateest2',
        args: [{ type: 'string', placeholder: 'name' }],
        doc: 'Second estimator, to compare with the first.',
      },
      {
        name: 'rateest-delta',
        args: [],
        doc: 'Compare the difference between the estimated rate and the given rate.',
      },
      {
        name: 'rateest-bps1',
        args: [],
        optionalArg: true,
        doc: 'Compare bytes per second of estimator 1 (optionally against a given rate).',
      },
      {
        name: 'rateest-pps1',
        args: [],
        optionalArg: true,
        doc: 'Compare packets per second of estimator 1.',
      },
      {
        name: 'rateest-bps2',
        args: [],
        optionalArg: true,
        doc: 'Compare bytes per second of estimator 2.',
      },
      {
        name: 'rateest-pps2',
        args: [],
        optionalArg: true,
        doc: 'Compare packets per second of estimator 2.',
      },
      {
        name: 'rateest-bps',
        args: [],
        optionalArg: true,
        doc: 'Compare bytes per second.',
      },
      {
        name: 'rateest-pps',
        args: [],
        optionalArg: true,
        doc: 'Compare packets per second.',
      },
      {
        name: 'rateest-lt',
        args: [],
        negatable: true,
        doc: 'Match if the rate is less than the reference.',
      },
      {
        name: 'rateest-gt',
        args: [],
        negatable: true,
        doc: 'Match if the rate is greater than the reference.',
      },
      {
        name: 'rateest-eq',
        args: [],
        negatable: true,
        doc: 'Match if the rate equals the reference.',
      },
    ],
  },
  {
    kind: 'match',
    name: 'time',
    families: [4, 6],
    summary: 'Time of day, weekday, date',
    doc: "Matches when the packet arrives within a time window. Times are UTC unless `--kerneltz` is given (and the kernel's timezone is only what was set at boot); this is a classic surprise. Overnight windows (timestart > timestop) work as expected.",
    options: [
      {
        name: 'datestart',
        args: [{ type: 'datetime', placeholder: 'YYYY[-MM[-DD[Thh[:mm[:ss]]]]]' }],
        doc: 'Start of the date range.',
      },
      {
        name: 'datestop',
        args: [{ type: 'datetime', placeholder: 'YYYY[-MM[-DD[Thh[:mm[:ss]]]]]' }],
        doc: 'End of the date range.',
      },
      {
        name: 'timestart',
        args: [{ type: 'time', placeholder: 'hh:mm[:ss]' }],
        doc: 'Daily start time.',
      },
      {
        name: 'timestop',
        args: [{ type: 'time', placeholder: 'hh:mm[:ss]' }],
        doc: 'Daily stop time.',
      },
      {
        name: 'contiguous',
        args: [],
        doc: 'With timestart > timestop, treat the window as one span ending the next day (for --weekdays).',
      },
      {
        name: 'weekdays',
        args: [{ type: 'weekdays', placeholder: 'day[,day...]' }],
        negatable: true,
        doc: 'Days of the week (Mon..Sun or 1..7).',
      },
      {
        name: 'monthdays',
        args: [{ type: 'monthdays', placeholder: 'day[,day...]' }],
        negatable: true,
        doc: 'Days of the month (1..31).',
      },
      {
        name: 'localtz',
        args: [],
        conflicts: ['utc'],
        deprecated: '`--localtz` is deprecated: use `--kerneltz`',
        doc: "Use the kernel's timezone (deprecated; same as --kerneltz).",
      },
      {
        name: 'utc',
        args: [],
        conflicts: ['localtz', 'kerneltz'],
        doc: 'Interpret times as UTC (the default).',
      },
      {
        name: 'kerneltz',
        args: [],
        conflicts: ['utc'],
        doc: "Interpret times in the kernel's timezone instead of UTC.",
      },
    ],
  },
  {
    kind: 'match',
    name: 'nfacct',
    families: [4, 6],
    summary: 'Count packets in a named nfacct object',
    doc: 'Always matches, and adds the packet to an extended accounting object created beforehand with `nfacct add NAME`; loading fails if it does not exist.',
    requireOneOf: [['nfacct-name']],
    options: [
      {
        name: 'nfacct-name',
        args: [{ type: 'string', placeholder: 'name' }],
        doc: 'Name of the accounting object.',
      },
    ],
  },
  {
    kind: 'match',
    name: 'set',
    families: [4, 6],
    summary: 'Address/port membership in an ipset',
    doc: "Matches if the packet's source and/or destination (per the flags) is in the named ipset. The set must exist when the rule is loaded (`ipset create`); the counters options test the set entry's counters.",
    requireOneOf: [['match-set']],
    options: [
      {
        name: 'match-set',
        aliases: ['set'],
        args: [
          { type: 'string', placeholder: 'setname', max: 31 },
          { type: 'set-flags', placeholder: 'src|dst[,...]' },
        ],
        negatable: true,
        doc: 'Set name and the direction flags: one `src`/`dst` per dimension of the set (e.g. `src`, `dst,dst`).',
      },
      {
        name: 'return-nomatch',
        args: [],
        doc: 'Let `nomatch` entries of hash sets make the match succeed (inverted meaning).',
      },
      {
        name: 'update-counters',
        args: [],
        negatable: true,
        doc: "Negated form `! --update-counters` stops updating the entry's counters.",
      },
      {
        name: 'update-subcounters',
        args: [],
        negatable: true,
        doc: 'Negated form stops updating counters of member sets of list:set.',
      },
      {
        name: 'packets-eq',
        args: [{ type: 'uint', placeholder: 'n', max: U64_MAX }],
        negatable: true,
        conflicts: ['packets-lt', 'packets-gt'],
        doc: "Entry's packet counter equals n.",
      },
      {
        name: 'packets-lt',
        args: [{ type: 'uint', placeholder: 'n', max: U64_MAX }],
        conflicts: ['packets-eq'],
        doc: "Entry's packet counter below n.",
      },
      {
        name: 'packets-gt',
        args: [{ type: 'uint', placeholder: 'n', max: U64_MAX }],
        conflicts: ['packets-eq'],
        doc: "Entry's packet counter above n.",
      },
      {
        name: 'bytes-eq',
        args: [{ type: 'uint', placeholder: 'n', max: U64_MAX }],
        negatable: true,
        conflicts: ['bytes-lt', 'bytes-gt'],
        doc: "Entry's byte counter equals n.",
      },
      {
        name: 'bytes-lt',
        args: [{ type: 'uint', placeholder: 'n', max: U64_MAX }],
        conflicts: ['bytes-eq'],
        doc: "Entry's byte counter below n.",
      },
      {
        name: 'bytes-gt',
        args: [{ type: 'uint', placeholder: 'n', max: U64_MAX }],
        conflicts: ['bytes-eq'],
        doc: "Entry's byte counter above n.",
      },
    ],
  },
];
