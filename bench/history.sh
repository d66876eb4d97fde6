#!/usr/bin/env bash
# History benchmark: watchlist matching with 100,000 entries, 365 simulated nights (with baselines per indicator) into one history
# database (night 1 against night 365, database size), and the overhead of --history on a real report.
#   bench/history.sh [nights]        prints Markdown; a copy goes to bench/data/history/RESULTS.md
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build -c Release -nologo -v q bench/PcapViz.History.Bench/PcapViz.History.Bench.csproj >/dev/null
dotnet bench/PcapViz.History.Bench/bin/Release/net10.0/pcapviz-history-bench.dll "${1:-365}" "$PWD/bench/data/history"
