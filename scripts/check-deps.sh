#!/usr/bin/env bash
# Checks that scripts/install-deps.sh names every Debian package the build really uses.
#   scripts/check-deps.sh [BUILD_DIR [GROUP]]   (default build/, after a build; GROUP as
#                                               for install-deps.sh, e.g. sanitize)
# Every file under /usr that the compiler read (the .o.d dependency files) or that a
# target links against (link.txt) is mapped to its package with dpkg -S. Each such package
# must be installed by install-deps.sh itself or be a Depends/Pre-Depends of one (we install
# with --no-install-recommends, so a package that arrives only as a Recommends, or through
# something installed by hand, would be missing on a fresh Debian). Prints the packages to
# add and exits 1 when there are any.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
group="${2:-}"
[ -d "$build" ] || { echo "check-deps: no build directory $build (build first)" >&2; exit 2; }

used_files=$( {
  find "$build" -name '*.o.d' -print0 | xargs -0 cat | tr ' \\' '\n\n'
  find "$build" -name link.txt -print0 | xargs -0 cat | tr ' ' '\n'
} | grep -E '^/usr/' | grep -vE '^/usr/bin/' | sort -u)

# dpkg -S takes many paths at once ("pkg[, pkg]: path"); a path dpkg does not know (a
# symlink made by a maintainer script, say) is looked up again as the file it points to.
owners() { xargs -r dpkg -S 2>/dev/null | sed 's/: .*//' | tr ',' '\n' | sed 's/^ *//; s/:.*//' || true; }
existing=$(while read -r f; do [ -e "$f" ] && echo "$f"; done <<<"$used_files")
known=$(xargs -r dpkg -S <<<"$existing" 2>/dev/null | sed 's/^[^:]*: //' | sort -u || true)
unknown=$(comm -23 <(sort -u <<<"$existing") <(echo "$known"))
declare -A used=()
while read -r p; do [ -n "$p" ] && used[$p]=1; done < <(
  owners <<<"$existing"
  while read -r f; do [ -n "$f" ] && readlink -f "$f"; done <<<"$unknown" | owners)

mapfile -t listed < <(scripts/install-deps.sh --list $group)
closure=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
            --no-replaces --no-enhances "${listed[@]}" 2>/dev/null | grep -vE '^ |^<' | sed 's/:.*//' | sort -u)

missing=()
for p in "${!used[@]}"; do
  grep -qxF "$p" <<<"$closure" || missing+=("$p")
done
echo "check-deps: ${#used[@]} packages provide the files the build in $build uses; install-deps.sh lists ${#listed[@]}"
if [ ${#missing[@]} -gt 0 ]; then
  echo "check-deps: not installed by scripts/install-deps.sh on a fresh Debian (add them):" >&2
  printf '  %s\n' "${missing[@]}" | sort >&2
  exit 1
fi
echo "check-deps: every one is installed by install-deps.sh or is a dependency of one"
