#!/usr/bin/env bash
# Renders the HTML report to docs/report.png with headless Chromium, for the README.
# Uses report.html from `make demo` when it exists, else the report package's golden
# fixture (report/testdata/golden/report.html).
#   hack/report-screenshot.sh [REPORT.html] [OUT.png]
set -euo pipefail
cd "$(dirname "$0")/.."

src=${1:-report.html}
out=${2:-docs/report.png}
if [[ ! -f $src ]]; then
	src=report/testdata/golden/report.html
	echo "report.html not found (run make demo); using $src" >&2
fi

chromium=$(command -v chromium || command -v chromium-browser || true)
if [[ -z $chromium ]]; then
	echo "chromium not found: apt-get install -y chromium" >&2
	exit 1
fi

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
mkdir -p "$(dirname "$out")"

# 1280 wide shows the timeline on one row; 2000 tall covers the path, the verdicts, the
# filters and the first hops' findings.
"$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync --log-level=3 \
	--user-data-dir="$profile" --hide-scrollbars --force-device-scale-factor=1 \
	--window-size=1280,2000 --screenshot="$out" "file://$(realpath "$src")" 2>/dev/null

test -s "$out"
echo "wrote $out from $src"
