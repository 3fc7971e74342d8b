#!/bin/bash
# The side channel merge domains close: a copy-on-write timing probe.  An
# attacker in tenant A fills its pages with content a victim in tenant B
# holds, waits for ksmd, then times one write into each page: a write into
# a merged page takes a copy-on-write fault.  With no policy (the positive
# control) the attacker's writes are slow, so it learns that another tenant
# holds the content; with tenants attached they are as fast as writes into
# content nobody else has.  The three distributions go to the log.
set -euo pipefail
. "$(dirname "$0")/../../lib/host.sh"
. "$(dirname "$0")/../../lib/vm.sh"
require_ksm_ext
N=256
tenants_setup side 2000
mp_start attacker "$A" $N
mp_start victim "$B" $N

# round SEED VICTIM_TOO: attacker (and victim) fill with SEED; 4 full scans
# (a pair merges in 2); then the attacker's write times.
round() {
	mp attacker fill "$1" >/dev/null
	[ "$2" = yes ] && mp victim fill "$1" >/dev/null
	wait_scans 4
	log "seed $1: attacker $(mp attacker count)" >&2
	mp attacker timing
}

control=$(round 11 yes)
private=$(round 12 no)
"$BIN/ksm-loader" policy load tenants >/dev/null || fail "ksm-loader policy load tenants failed"
isolated=$(round 13 yes)
log "no policy, victim holds the content: $control"
log "content nobody else holds:           $private"
log "tenants, victim holds the content:   $isolated"
c=$(field p50 "$control") p=$(field p50 "$private") t=$(field p50 "$isolated")
# The control must show the channel: nearly all writes fault.
[ "$(field p10 "$control")" -gt $((4 * p)) ] ||
	fail "positive control shows no signal: $control vs $private"
# Isolated: like private content, far below the control.
[ "$t" -le $((2 * p + 1000)) ] || fail "tenants: writes slow ($isolated vs private $private)"
[ "$(field p90 "$isolated")" -lt "$(field p10 "$control")" ] ||
	fail "tenants: distributions overlap ($isolated vs control $control)"
log "median write: control ${c}, tenants ${t}, private ${p} (TSC cycles)"
mp_stop attacker
mp_stop victim
echo ok
