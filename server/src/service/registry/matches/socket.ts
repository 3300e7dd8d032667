/**
 * Match extensions about the local socket or the route of the packet: socket, owner, cgroup, rpfilter.
 * One declarative entry per extension (schema in ../types.ts): option names and aliases, negation
 * and repetition as iptables 1.8.9 registers them; kernel restrictions as verified by loading rules
 * into a network namespace. Documentation is our own wording.
 */
import type { MatchSpec } from '../types';

export const SOCKET_MATCHES: readonly MatchSpec[] = [
  {
    kind: 'match',
    name: 'socket',
    families: [4, 6],
    summary: 'An existing local socket matches the packet',
    doc: 'Matches packets for which a local socket exists (established, or listening unless `--nowildcard`), as the transparent proxy setup needs. Only in PREROUTING and INPUT.',
    kernel: { hooks: ['PREROUTING', 'INPUT'] },
    options: [
      {
        name: 'transparent',
        args: [],
        doc: 'Only sockets with IP_TRANSPARENT set.',
      },
      {
        name: 'nowildcard',
        args: [],
        doc: 'Do not ignore sockets bound to the wildcard address.',
      },
      {
        name: 'restore-skmark',
        args: [],
        doc: 'Copy the socket mark to the packet mark when matching.',
      },
    ],
  },
  {
    kind: 'match',
    name: 'owner',
    families: [4, 6],
    summary: 'Owner (uid/gid) of the local socket',
    doc: 'Matches locally generated packets by the user or group of the owning socket. Only meaningful in OUTPUT and POSTROUTING; forwarded and incoming packets have no owner.',
    requireOneOf: [['uid-owner', 'gid-owner', 'socket-exists']],
    kernel: { hooks: ['OUTPUT', 'POSTROUTING'] },
    options: [
      {
        name: 'uid-owner',
        args: [{ type: 'user', placeholder: 'user[-user]' }],
        negatable: true,
        doc: 'User name or uid (range) of the socket owner; names are looked up when loading.',
      },
      {
        name: 'gid-owner',
        args: [{ type: 'group', placeholder: 'group[-group]' }],
        negatable: true,
        doc: 'Group name or gid (range) of the socket owner.',
      },
      {
        name: 'socket-exists',
        args: [],
        negatable: true,
        doc: 'Matches if the packet is associated with a socket.',
      },
      {
        name: 'suppl-groups',
        args: [],
        doc: "With --gid-owner, also consider the owner's supplementary groups.",
      },
    ],
  },
  {
    kind: 'match',
    name: 'cgroup',
    families: [4, 6],
    summary: 'Control group of the local socket',
    doc: 'Matches packets of local sockets by the control group of the owning process: a cgroup v2 path (`--path`) or a net_cls classid (`--cgroup`). Only packets tied to a local socket can match, so it is limited to INPUT, OUTPUT and POSTROUTING.',
    requireOneOf: [['path', 'cgroup']],
    kernel: { hooks: ['INPUT', 'OUTPUT', 'POSTROUTING'] },
    options: [
      {
        name: 'path',
        args: [{ type: 'cgroup-path', placeholder: 'path' }],
        negatable: true,
        conflicts: ['cgroup'],
        doc: 'cgroup v2 path relative to the cgroup root (e.g. `user.slice`); must exist when the rule is loaded.',
      },
      {
        name: 'cgroup',
        args: [{ type: 'uint', placeholder: 'classid' }],
        negatable: true,
        conflicts: ['path'],
        doc: 'net_cls classid (cgroup v1) of the socket.',
      },
    ],
  },
  {
    kind: 'match',
    name: 'rpfilter',
    families: [4, 6],
    summary: 'Reverse path filter (anti-spoofing)',
    doc: 'Matches if a reply to the packet would be routed back out of the interface it arrived on (the source is reachable there). Only in the raw and mangle PREROUTING chains; typically `-m rpfilter --invert -j DROP`.',
    kernel: { tables: ['raw', 'mangle'], hooks: ['PREROUTING'] },
    options: [
      {
        name: 'loose',
        args: [],
        doc: 'Accept if the source is reachable via any interface.',
      },
      {
        name: 'validmark',
        args: [],
        doc: 'Use the packet mark in the route lookup.',
      },
      {
        name: 'accept-local',
        args: [],
        doc: 'Do not reject packets with a local source address.',
      },
      {
        name: 'invert',
        args: [],
        doc: 'Match packets that fail the check.',
      },
    ],
  },
];
