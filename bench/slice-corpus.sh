#!/usr/bin/env bash
# Packet slices against tshark on every capture of ../shared/corpus and ../shared/corpus-l7 (the test suite runs
# every second corpus-l7 and every sixth corpus capture; see tests/PcapViz.Corpus.Tests/SliceCorpusTests.cs). Takes tens of
# minutes: each capture is sliced three times and read back by tshark, tcpdump and libpcap.
set -euo pipefail
cd "$(dirname "$0")/.."
PCAPVIZ_SLICE_CORPUS=all dotnet test tests/PcapViz.Corpus.Tests -c Release --filter "FullyQualifiedName~SliceCorpusTests" "$@"
