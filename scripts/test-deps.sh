#!/usr/bin/env bash
# test-deps.sh — install what the test suite talks to (real sshd, telnetd, ansible-core as the
# differential oracle, …) on a Debian machine. Needs root when something is missing.
set -euo pipefail
pkgs=(openssh-server openssh-client ansible-core ansible git python3-pip python3-venv debconf python3-jinja2 python3-pexpect python3-passlib busybox inetutils-telnetd login passwd sudo sshpass iproute2 procps libc-bin coreutils tar xz-utils zstd bzip2 gzip zip unzip file e2fsprogs cron bc time python3-apt systemd)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "test-deps: missing Debian packages: ${missing[*]} (run as root, or install them)" >&2
    exit 1
  fi
  echo "test-deps: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# sshd refuses to start as root without its privilege-separation directory.
[ "$(id -u)" -ne 0 ] || mkdir -p /run/sshd
