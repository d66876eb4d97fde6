#!/usr/bin/env bash
# Installs every tool bench/run.sh uses, from Debian's packages (no downloaded binaries):
#   sudo bench/install-tools.sh        (or as root)
# tcpdump; tshark and capinfos (wireshark-common); GNU time for peak memory; gzip and python3 for the inflate
# baselines; util-linux for lscpu. The .NET SDK (global.json) is the project's own prerequisite.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; the benchmark only reads files.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update
apt-get install -y --no-install-recommends tcpdump tshark wireshark-common time gzip python3 util-linux coreutils openssl
