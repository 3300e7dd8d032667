#!/usr/bin/env python3
"""Kernel oracle I/O agent (Python 3 standard library only).

Node has no AF_PACKET, raw IP or netlink sockets, so this small process does the raw I/O of one
oracle run and nothing else; every decision is taken by the TypeScript side (test/kernel/*.ts).

It starts in the initial network namespace, then:
  * raises net.netfilter.nf_log_all_netns (a global sysctl that only exists in the initial
    namespace) for as long as any agent needs it, restoring the saved value when the last one
    leaves (reference count under a file lock, so concurrent runs and crashed runs are safe);
  * opens /dev/kmsg at its end (the kernel log is global);
  * enters each peer namespace in turn (setns) to open an AF_PACKET socket on the peer end of each
    veth pair: it injects frames towards the host there, captures what the host sends, and answers
    every ARP request with the peer's MAC (so any next hop is reachable);
  * enters the host namespace for good: the nf_tables trace netlink group, a raw IP socket for
    locally generated packets, and the scenario's listening sockets.

Protocol: one JSON object per line on stdin, one JSON reply per line on stdout.
  {"op": "send", "iface": name, "frame": hex}       frame from the peer of `iface` into the host
  {"op": "send_local", "packet": hex, "dst": ip}    IPv4/IPv6 packet (header included) from the host
  {"op": "collect", "min_ms", "quiet_ms", "max_ms"} wait until quiet, return everything seen
  {"op": "lock"} / {"op": "unlock"}                 kernel-log window lock shared by all agents
  {"op": "quit"}
"""
import ctypes
import errno
import fcntl
import json
import os
import select
import socket
import struct
import sys
import time

CLONE_NEWNET = 0x40000000
ETH_P_ALL = 0x0003
ETH_P_ARP = 0x0806
ETH_P_IPV6 = 0x86DD
IPV6_EXT_HEADERS = (0, 43, 60)
# ICMPv6 messages of the host's own link chatter: MLD (130-132, 143) and router solicitations.
ICMP6_CHATTER = (130, 131, 132, 133, 143)
PACKET_OUTGOING = 4
NETLINK_NETFILTER = 12
NFNLGRP_NFTRACE = 9
SOL_NETLINK = 270
NETLINK_ADD_MEMBERSHIP = 1
NFT_MSG_TRACE = 17
NFNL_SUBSYS_NFTABLES = 10
SYSCTL_ALL_NETNS = "/proc/sys/net/netfilter/nf_log_all_netns"

libc = ctypes.CDLL(None, use_errno=True)


def setns(fd):
    if libc.setns(fd, CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, "setns: " + os.strerror(e))


def enter_netns(name):
    fd = os.open("/run/netns/" + name, os.O_RDONLY)
    try:
        setns(fd)
    finally:
        os.close(fd)


def pid_alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


class SysctlUsers:
    """Reference count of the agents that need nf_log_all_netns=1 (state under lock_dir)."""

    def __init__(self, lock_dir):
        self.dir = lock_dir
        self.users = os.path.join(lock_dir, "users")
        self.saved = os.path.join(lock_dir, "nf_log_all_netns.saved")
        self.lock_path = os.path.join(lock_dir, "sysctl.lock")
        os.makedirs(self.users, exist_ok=True)
        self.joined = False

    def _locked(self, fn):
        with open(self.lock_path, "a") as lk:
            fcntl.flock(lk, fcntl.LOCK_EX)
            try:
                return fn()
            finally:
                fcntl.flock(lk, fcntl.LOCK_UN)

    def _live(self):
        live = []
        for name in os.listdir(self.users):
            try:
                pid = int(name)
            except ValueError:
                continue
            if pid != os.getpid() and not pid_alive(pid):
                os.unlink(os.path.join(self.users, name))
            else:
                live.append(pid)
        return live

    def join(self):
        def fn():
            live = self._live()
            if not live and not os.path.exists(self.saved):
                with open(SYSCTL_ALL_NETNS) as f:
                    old = f.read().strip()
                with open(self.saved, "w") as f:
                    f.write(old)
            open(os.path.join(self.users, str(os.getpid())), "w").close()
            with open(SYSCTL_ALL_NETNS, "w") as f:
                f.write("1")

        self._locked(fn)
        self.joined = True

    def leave(self, fd_sysctl_write=None):
        if not self.joined:
            return

        def fn():
            try:
                os.unlink(os.path.join(self.users, str(os.getpid())))
            except FileNotFoundError:
                pass
            if not self._live() and os.path.exists(self.saved):
                with open(self.saved) as f:
                    old = f.read().strip() or "0"
                fd_sysctl_write(old)
                os.unlink(self.saved)

        self._locked(fn)
        self.joined = False


def mac_bytes(mac):
    return bytes(int(x, 16) for x in mac.split(":"))


class Agent:
    def __init__(self, cfg):
        self.cfg = cfg
        self.frames = []
        self.traces = []
        self.kmsg = []
        self.kmsg_lost = 0
        self.last_event = time.monotonic()
        self.peers = {}
        self.lock_file = None
        self.sysctl = None
        self.kmsg_fd = None
        self.sysctl_fd = None
        self.listeners = []
        lock_dir = cfg["lock_dir"]
        os.makedirs(lock_dir, exist_ok=True)
        self.lock_path = os.path.join(lock_dir, "kmsg.lock")
        init_ns = os.open("/proc/self/ns/net", os.O_RDONLY)
        if cfg.get("kmsg"):
            # Keep a descriptor of the initial namespace's sysctl: the restore may run after setns.
            self.sysctl_fd = os.open(SYSCTL_ALL_NETNS, os.O_RDWR)
            self.sysctl = SysctlUsers(lock_dir)
            self.sysctl.join()
            self.kmsg_fd = os.open("/dev/kmsg", os.O_RDONLY | os.O_NONBLOCK)
            os.lseek(self.kmsg_fd, 0, os.SEEK_END)
        for p in cfg["peers"]:
            enter_netns(p["ns"])
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
            s.bind((p["dev"], 0))
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
            self.peers[p["iface"]] = {"sock": s, "mac": mac_bytes(p["mac"]), "dev": p["dev"]}
            setns(init_ns)
        os.close(init_ns)
        enter_netns(cfg["host_ns"])
        self.nl = None
        if cfg.get("nftrace"):
            self.nl = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
            try:
                self.nl.setsockopt(socket.SOL_SOCKET, 33, 16 << 20)  # SO_RCVBUFFORCE
            except OSError:
                self.nl.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 << 20)
            self.nl.bind((0, 0))
            self.nl.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, NFNLGRP_NFTRACE)
        self.raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
        self.raw.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
        self.raw6 = None
        if cfg.get("family") == 6:
            # IPPROTO_RAW on an IPv6 socket: the packet given includes its IPv6 header.
            self.raw6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
        for spec in cfg.get("listen", []):
            self.listeners.append(self.open_listener(spec))

    def sysctl_write(self, value):
        os.lseek(self.sysctl_fd, 0, os.SEEK_SET)
        os.write(self.sysctl_fd, value.encode())

    def open_listener(self, spec):
        # "tcp:8080", "udp:53", "udp:5353@224.0.0.251%eth0"
        proto, _, rest = spec.partition(":")
        port, _, grp = rest.partition("@")
        group, _, dev = grp.partition("%")
        kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
        if self.cfg.get("family") == 6:
            s = socket.socket(socket.AF_INET6, kind)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("::", int(port)))
            if kind == socket.SOCK_STREAM:
                s.listen(64)
            return s
        s = socket.socket(socket.AF_INET, kind)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", int(port)))
        if group:
            ifindex = socket.if_nametoindex(dev) if dev else 0
            mreqn = socket.inet_aton(group) + socket.inet_aton("0.0.0.0") + struct.pack("i", ifindex)
            s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreqn)
        if kind == socket.SOCK_STREAM:
            s.listen(64)
        return s

    # --- event sources -------------------------------------------------------------------
    def read_peer(self, iface, peer):
        while True:
            try:
                data, addr = peer["sock"].recvfrom(65535, socket.MSG_DONTWAIT)
            except BlockingIOError:
                return
            pkttype = addr[2]
            if pkttype == PACKET_OUTGOING:
                continue
            ethertype = struct.unpack("!H", data[12:14])[0] if len(data) >= 14 else 0
            if ethertype == ETH_P_ARP:
                self.answer_arp(peer, data)
                continue
            if ethertype == ETH_P_IPV6 and self.ipv6_chatter(peer, data):
                continue
            self.last_event = time.monotonic()
            self.frames.append({"iface": iface, "hex": data.hex(), "t": time.monotonic()})

    def answer_arp(self, peer, data):
        if len(data) < 42:
            return
        op = struct.unpack("!H", data[20:22])[0]
        sha, spa, tpa = data[22:28], data[28:32], data[38:42]
        if op != 1 or spa == tpa or spa == b"\0\0\0\0":
            return
        mac = peer["mac"]
        reply = sha + mac + struct.pack("!H", ETH_P_ARP)
        reply += struct.pack("!HHBBH", 1, 0x0800, 6, 4, 2) + mac + tpa + sha + spa
        peer["sock"].send(reply)

    def ipv6_chatter(self, peer, data):
        """Answers a neighbour solicitation; True for the host's link chatter (not reported)."""
        if len(data) < 54:
            return False
        nh, off = data[20], 54
        while nh in IPV6_EXT_HEADERS and off + 8 <= len(data):
            nh, off = data[off], off + (data[off + 1] + 1) * 8
        if nh != 58 or off + 4 > len(data):
            return False
        icmp_type = data[off]
        if icmp_type == 135 and off + 24 <= len(data):
            self.answer_ns(peer, data, off)
            return True
        return icmp_type in ICMP6_CHATTER

    def answer_ns(self, peer, data, off):
        src, target = data[22:38], data[off + 8:off + 24]
        if src == bytes(16):
            return  # duplicate address detection: nobody else owns the address
        mac = peer["mac"]
        body = struct.pack("!BBHI", 136, 0, 0, 0x60000000) + target + bytes([2, 1]) + mac
        csum = checksum6(target, src, 58, body)
        body = body[:2] + struct.pack("!H", csum) + body[4:]
        ip6 = struct.pack("!IHBB", 0x60000000, len(body), 58, 255) + target + src
        peer["sock"].send(data[6:12] + mac + struct.pack("!H", ETH_P_IPV6) + ip6 + body)

    def read_kmsg(self):
        while True:
            try:
                rec = os.read(self.kmsg_fd, 16384)
            except BlockingIOError:
                return
            except OSError as e:
                if e.errno == errno.EPIPE:
                    self.kmsg_lost += 1
                    continue
                raise
            text = rec.decode("utf-8", "replace")
            head, _, msg = text.partition(";")
            msg = msg.split("\n", 1)[0]
            fields = head.split(",")
            self.last_event = time.monotonic()
            self.kmsg.append({"seq": int(fields[1]) if len(fields) > 1 else 0, "text": msg})

    def read_netlink(self):
        while True:
            try:
                data = self.nl.recv(1 << 20, socket.MSG_DONTWAIT)
            except BlockingIOError:
                return
            except OSError as e:
                if e.errno == errno.ENOBUFS:
                    self.traces.append({"lost": True})
                    continue
                raise
            off = 0
            while off + 16 <= len(data):
                length, mtype, _flags, _seq, _pid = struct.unpack("=IHHII", data[off:off + 16])
                if length < 16:
                    break
                if mtype == (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_TRACE:
                    self.traces.append(parse_trace(data[off + 20:off + length]))
                    self.last_event = time.monotonic()
                off += (length + 3) & ~3

    def poll(self, timeout):
        socks = [p["sock"] for p in self.peers.values()]
        if self.nl:
            socks.append(self.nl)
        for lst in self.listeners:
            if lst.type == socket.SOCK_STREAM:
                socks.append(lst)
        fds = socks + ([self.kmsg_fd] if self.kmsg_fd is not None else [])
        ready, _, _ = select.select(fds, [], [], max(0.0, timeout))
        for r in ready:
            if r is self.nl:
                self.read_netlink()
            elif r == self.kmsg_fd:
                self.read_kmsg()
            elif isinstance(r, socket.socket) and r.type == socket.SOCK_STREAM:
                try:
                    conn, _ = r.accept()
                    conn.close()
                except OSError:
                    pass
            else:
                for iface, peer in self.peers.items():
                    if peer["sock"] is r:
                        self.read_peer(iface, peer)
        return bool(ready)

    # --- commands --------------------------------------------------------------------------
    def collect(self, min_ms, quiet_ms, max_ms):
        start = time.monotonic()
        self.last_event = start
        while True:
            now = time.monotonic()
            if now - start >= max_ms / 1000:
                break
            if now - start >= min_ms / 1000 and now - self.last_event >= quiet_ms / 1000:
                break
            self.poll(0.01)
        if self.kmsg_fd is not None:
            self.read_kmsg()
        out = {"frames": self.frames, "traces": self.traces, "kmsg": self.kmsg, "kmsg_lost": self.kmsg_lost}
        self.frames, self.traces, self.kmsg, self.kmsg_lost = [], [], [], 0
        for f in out["frames"]:
            f["t"] = round((f["t"] - start) * 1000, 1)
        return out

    def lock(self, timeout_s):
        if self.lock_file is None:
            self.lock_file = open(self.lock_path, "a")
        start = time.monotonic()
        while True:
            try:
                fcntl.flock(self.lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return round(time.monotonic() - start, 3)
            except BlockingIOError:
                if time.monotonic() - start > timeout_s:
                    raise TimeoutError("kernel-log lock not obtained in %ss" % timeout_s)
                self.poll(0.02)

    def unlock(self):
        if self.lock_file is not None:
            fcntl.flock(self.lock_file, fcntl.LOCK_UN)

    def close(self):
        self.unlock()
        if self.sysctl:
            self.sysctl.leave(self.sysctl_write)


def checksum6(src, dst, next_header, payload):
    data = src + dst + struct.pack("!IxxxB", len(payload), next_header) + payload
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def parse_attrs(buf):
    attrs = {}
    off = 0
    while off + 4 <= len(buf):
        length, atype = struct.unpack("=HH", buf[off:off + 4])
        if length < 4:
            break
        attrs[atype & 0x3FFF] = buf[off + 4:off + length]
        off += (length + 3) & ~3
    return attrs


def parse_trace(buf):
    a = parse_attrs(buf)
    ev = {}

    def s(k):
        return a[k].split(b"\0", 1)[0].decode() if k in a else None

    def u32(k):
        return struct.unpack("!I", a[k][:4])[0] if k in a else None

    ev["table"] = s(1)
    ev["chain"] = s(2)
    if 3 in a:
        ev["handle"] = struct.unpack("!Q", a[3][:8])[0]
    ev["type"] = u32(4)
    if 5 in a:
        v = parse_attrs(a[5])
        if 1 in v:
            ev["verdict"] = struct.unpack("!i", v[1][:4])[0]
        if 2 in v:
            ev["jump"] = v[2].split(b"\0", 1)[0].decode()
    ev["id"] = "%08x" % u32(6) if 6 in a else None
    for k, name in ((7, "ll"), (8, "nh"), (9, "th")):
        if k in a:
            ev[name] = a[k].hex()
    for k, name in ((10, "iif"), (12, "oif"), (14, "mark"), (15, "nfproto"), (16, "policy"),
                    (18, "ct_id"), (19, "ct_dir"), (20, "ct_status"), (21, "ct_state")):
        if k in a and len(a[k]) >= 4:
            ev[name] = u32(k)
    for k, name in ((11, "iiftype"), (13, "oiftype")):
        if k in a:
            ev[name] = struct.unpack("!H", a[k][:2])[0]
    return ev


def main():
    cfg = json.loads(sys.stdin.readline())
    agent = None
    try:
        agent = Agent(cfg)
        print(json.dumps({"ready": True, "ifindex": {n: socket.if_nametoindex(n) for n in cfg.get("host_ifaces", [])}}), flush=True)
        buf = b""
        stdin = sys.stdin.buffer.raw if hasattr(sys.stdin.buffer, "raw") else sys.stdin.buffer
        while True:
            if b"\n" not in buf:
                # Keep draining the sockets (ARP answers, buffers) while waiting for a command.
                r, _, _ = select.select([stdin], [], [], 0.05)
                if not r:
                    agent.poll(0)
                    continue
                chunk = os.read(stdin.fileno(), 65536)
                if not chunk:
                    break
                buf += chunk
                continue
            line, _, buf = buf.partition(b"\n")
            cmd = json.loads(line)
            op = cmd.get("op")
            try:
                if op == "send":
                    agent.peers[cmd["iface"]]["sock"].send(bytes.fromhex(cmd["frame"]))
                    reply = {"ok": True}
                elif op == "send_local":
                    if ":" in cmd["dst"]:
                        if agent.raw6 is None:
                            raise ValueError("IPv6 packet but the agent was not started for family 6")
                        agent.raw6.sendto(bytes.fromhex(cmd["packet"]), (cmd["dst"], 0, 0, 0))
                    else:
                        agent.raw.sendto(bytes.fromhex(cmd["packet"]), (cmd["dst"], 0))
                    reply = {"ok": True}
                elif op == "collect":
                    reply = agent.collect(cmd.get("min_ms", 60), cmd.get("quiet_ms", 40), cmd.get("max_ms", 1000))
                elif op == "drain":
                    agent.poll(0)
                    reply = agent.collect(0, 0, 0)
                elif op == "lock":
                    reply = {"ok": True, "waited_s": agent.lock(cmd.get("timeout_s", 120))}
                elif op == "unlock":
                    agent.unlock()
                    reply = {"ok": True}
                elif op == "quit":
                    print(json.dumps({"ok": True}), flush=True)
                    break
                else:
                    reply = {"error": "unknown op %r" % op}
            except Exception as e:  # reported to the caller, which decides
                reply = {"error": "%s: %s" % (type(e).__name__, e)}
            print(json.dumps(reply), flush=True)
    except Exception as e:
        print(json.dumps({"error": "%s: %s" % (type(e).__name__, e)}), flush=True)
        sys.exit(1)
    finally:
        if agent is not None:
            agent.close()


if __name__ == "__main__":
    main()
