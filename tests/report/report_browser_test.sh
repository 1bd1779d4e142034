#!/bin/sh
# The report of `cevns run` in a real browser (headless Chromium): every figure decodes to
# an image with a width, the console stays silent (no error, no failed load), nothing in the
# page points outside it, and a screenshot is saved for a person to look at.
#   report_browser_test.sh CEVNS WORK_DIR
# Exit 77 (CTest: skipped) when Chromium is not installed.
set -eu
cevns=$1
work=$2
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "skipped: headless Chromium not found (Debian package chromium; scripts/install-deps.sh installs it)"
  exit 77
fi
fail() { echo "FAIL: $*"; exit 1; }

rm -rf "$work"
mkdir -p "$work"
study="$work/study"
# A short Monte Carlo (one hour of CLOVERS, scaled to 200 CEvNS) keeps the study to seconds.
"$cevns" -q run --config clovers.toml --output "$study" --mc-exposure 1h --mc-min-signal 200 --threads 2 >"$work/run.log" 2>&1 ||
  { cat "$work/run.log"; fail "cevns run failed"; }
page="$study/report.html"
[ -s "$page" ] || fail "no $page"

# Self-contained: no script, no style sheet or image fetched, no link out of the page.
if grep -Eiq '<script|<link|<iframe|@import|(src|href)="(https?:|//)' "$page"; then
  grep -Eio '<script[^>]*>|<link[^>]*>|<iframe[^>]*>|@import[^;]*|(src|href)="(https?:|//)[^"]*"' "$page" | head -5
  fail "the report refers to something outside it"
fi
images=$(grep -o '<img ' "$page" | wc -l)
[ "$images" -ge 15 ] || fail "only $images figures in the report (expected the paper's, the Monte Carlo's and the fit's)"

# The page with a check appended (the report itself has no script): after loading, it
# writes into the DOM how many images decoded with a width, and any script error.
check="$work/check.html"
sed 's#</body>#<script>\
window.addEventListener("error", function (e) { document.body.setAttribute("data-script-error", String(e.message)); });\
window.addEventListener("load", function () {\
  var ok = 0, broken = [];\
  for (var i = 0; i < document.images.length; ++i) {\
    var im = document.images[i];\
    if (im.complete \&\& im.naturalWidth > 0) ++ok; else broken.push(im.alt);\
  }\
  var p = document.createElement("p");\
  p.id = "cevns-check";\
  p.textContent = "images " + ok + "/" + document.images.length + " broken[" + broken.join("|") + "]";\
  document.body.appendChild(p);\
});\
</script></body>#' "$page" >"$check"

flags="--headless --no-sandbox --disable-gpu --no-first-run --no-default-browser-check --disable-extensions \
  --disable-background-networking --disable-component-update --disable-sync --user-data-dir=$work/profile"
# shellcheck disable=SC2086
"$browser" $flags --virtual-time-budget=10000 --enable-logging=stderr --v=0 --dump-dom "file://$check" \
  >"$work/dom.html" 2>"$work/console.log" || { tail -20 "$work/console.log"; fail "chromium --dump-dom failed"; }
grep -q 'id="cevns-check"' "$work/dom.html" || fail "the check did not run (no #cevns-check in the DOM)"
result=$(grep -o 'images [0-9]*/[0-9]* broken\[[^]]*\]' "$work/dom.html" | head -1)
echo "browser: $result"
echo "$result" | grep -q "images $images/$images broken\[\]" || fail "not every image rendered: $result"
if grep -q '<body[^>]*data-script-error' "$work/dom.html"; then fail "script error in the page"; fi
if grep -E 'CONSOLE|Uncaught|ERR_FILE_NOT_FOUND|Failed to load' "$work/console.log"; then fail "console messages (above)"; fi

# The screenshot, for a person: the top of the page at a laptop's width.
# shellcheck disable=SC2086
"$browser" $flags --hide-scrollbars --window-size=1280,2400 --screenshot="$work/report_screenshot.png" "file://$page" \
  >/dev/null 2>"$work/screenshot.log" || { tail -20 "$work/screenshot.log"; fail "chromium --screenshot failed"; }
[ -s "$work/report_screenshot.png" ] || fail "no screenshot"
echo "screenshot: $work/report_screenshot.png"
echo "report: $page ($(wc -c <"$page") bytes, $images figures)"
