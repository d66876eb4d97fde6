#!/usr/bin/env bash
# Regenerates the sample captures (with the project's own generator) and the bundle made from them.
# The test SampleReports_AreUpToDate fails when either is out of date; run this and commit the result.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf sample-reports/inputs sample-reports/bundle
dotnet run -c Release --project src/PcapViz.Generator -- samples sample-reports/inputs
# A fixed SOURCE_DATE_EPOCH makes the bundle byte-reproducible (it is the generation time shown in the reports).
SOURCE_DATE_EPOCH=1700000000 dotnet run -c Release --project src/PcapViz.Cli -- \
  report sample-reports/inputs -o sample-reports/bundle --quiet
echo "sample-reports/ regenerated"
