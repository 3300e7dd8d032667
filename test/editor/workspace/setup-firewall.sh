#!/bin/sh
# Opens the web ports of this host and drops everything else that comes in.
set -e
IPT=iptables

$IPT -F INPUT
$IPT -A INPUT -i lo -j ACCEPT
$IPT -A INPUT -m state --state ESTABLISHED,RELATED -j ACCEPT
$IPT -A INPUT -p tcp --dport 80 -j ACCEPT
$IPT -A INPUT -p tcp --dport 443 -j ACCEP
$IPT -P INPUT DROP
