# SYNTAX TEST "source.shell" "iptables commands inside shell scripts"
IPT=/usr/sbin/iptables
iptables -t nat -A POSTROUTING -o eth0 -j MASQUERADE
# <- entity.name.command.iptables.shell
#        ^^ variable.parameter.option.iptables
#           ^^^ entity.name.section.table.iptables
#               ^^ keyword.control.command.iptables
#                  ^^^^^^^^^^^ entity.name.function.chain.iptables
#                                         ^^^^^^^^^^ support.function.target.iptables
$IPT -A INPUT -s "$TRUSTED" -p tcp --dport 22 -j ACCEPT # ssh
# <- entity.name.command.iptables.shell
#    ^^ keyword.control.command.iptables
#                ^ string.quoted.double.shell punctuation.definition.string.begin.shell
#                 ^^^^^^^^ variable.other.normal.shell
#                                          ^^ constant.numeric.iptables
#                                                       ^ comment.line.number-sign.shell punctuation.definition.comment.shell
#                                                        ^^^^ comment.line.number-sign.shell
/sbin/ip6tables -A INPUT \
    -p ipv6-icmp -j ACCEPT
# ^^^^^^^^^^^^^^^^^^^^^^^^ meta.iptables.command.shell
#   ^^ variable.parameter.option.iptables
#      ^^^^^^^^^ support.constant.protocol.iptables
#                   ^^^^^^ constant.language.verdict.iptables
#   ^^ variable.parameter.option.iptables
#      ^^^^^^^^^ support.constant.protocol.iptables
#                   ^^^^^^ constant.language.verdict.iptables
echo "-j ACCEPT"; iptables -N mychain && echo done
#    ^^^^^^^^^^^ string.quoted.double.shell - keyword
#                 ^^^^^^^^ entity.name.command.iptables.shell
#                             ^^^^^^^ entity.name.function.chain.iptables
#                                        ^^^^ - meta.iptables.command.shell
echo iptables -A INPUT -j DROP
#    ^^^^^^^^ - entity.name.command.iptables.shell
#             ^^ - keyword.control.command.iptables
if ! iptables -C INPUT -j LOGDROP 2>/dev/null; then iptables -I INPUT -j LOGDROP; fi
#    ^^^^^^^^ entity.name.command.iptables.shell
#             ^^ keyword.control.command.iptables
#                         ^^^^^^^ entity.name.function.chain.iptables
#                                                   ^^^^^^^^ entity.name.command.iptables.shell
#                                                                                 ^^ - meta.iptables.command.shell
cat /etc/iptables/rules.v4 | iptables-restore
#        ^^^^^^^^ - entity.name.command.iptables.shell
