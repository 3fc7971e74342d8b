#!/bin/bash
# Install the Debian packages ksm-ext needs to build and test, if missing.
# Idempotent and silent when everything is present; needs root otherwise.
# Arguments name extra packages a target needs (make bench-policyd: gnuplot).
set -euo pipefail
pkgs=(
	make gcc libc6-dev pkg-config git
	clang-19 llvm-19 libclang-rt-19-dev libelf-dev zlib1g-dev libcap-dev
	libcriterion-dev libncurses-dev
	linux-source-6.12 pahole bc bison flex libssl-dev cpio xz-utils kmod perl python3 rsync
	qemu-system-x86 busybox-static
	jq tmux procps libnuma-dev stress-ng
	"$@"
)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages: ${missing[*]}; run 'make deps' as root" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has empty package lists; refresh once, then install.
# The log is ours alone (mktemp: no fixed name in /tmp for root to write
# through), kept only when the install fails.
log=$(mktemp "${TMPDIR:-/tmp}/ksm-ext-apt.XXXXXX")
if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$log" 2>&1; then
	apt-get update -qq >>"$log" 2>&1 || true	# the install below says if it mattered
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$log" 2>&1 || {
		echo "deps: apt-get install failed, see $log" >&2
		tail -5 "$log" >&2
		exit 1
	}
fi
rm -f "$log"
