#!/bin/sh
# Copies the home directories to the backup disk; nothing to do with the firewall.
set -eu
dest=/mnt/backup/$(date +%F)
mkdir -p "$dest"
tar -C /home -czf "$dest/home.tar.gz" .
echo "backup written to $dest"
