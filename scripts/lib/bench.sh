# shellcheck shell=bash
# Helpers shared by the benchmark scripts (scripts/bench_*). Source this file from the
# script's top level; do not execute it. Also sources scripts/lib/cluster.sh.
#
# Before sourcing, the script sets bench_usage_end: a regular expression matching the last
# line of its usage text, which is its header comment from the line "# Usage:" on.
# Messages (die, note) carry the name of the script, as in "bench_events: error: ...".
#
# Functions that talk to PostgreSQL (psql_db, create_database) use the script's $db and
# $PSQL_TIMEOUT (seconds, a bound on each psql).

# The script that sourced this file, as it was invoked.
bench_script=${BASH_SOURCE[1]}
bench_name=$(basename "$bench_script")

# PostgreSQL 15's programs: the benchmarks run against a cluster of it.
PG_BIN=/usr/lib/postgresql/15/bin
PSQL=$PG_BIN/psql
# shellcheck disable=SC2034 # used by the scripts that run pgbench
PGBENCH=$PG_BIN/pgbench

# shellcheck source=scripts/lib/cluster.sh
source "$(dirname "${BASH_SOURCE[0]}")/cluster.sh"

# Print an error to stderr and exit 1.
die() { echo "$bench_name: error: $*" >&2; exit 1; }

# Print progress to stderr.
note() { echo "$bench_name: $*" >&2; }

# Print the script's usage (its header comment from "# Usage:" to $bench_usage_end).
usage() { sed -n "/^# Usage:/,/${bench_usage_end:?}/p" "$bench_script" | sed 's/^# \{0,1\}//'; }

# Succeed if $1 is a whole number in $2..$3.
in_range() { [[ $1 =~ ^[0-9]+$ ]] && (($1 >= $2 && $1 <= $3)); }

# The median of the numbers given as arguments.
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

# CPU contention from other tenants of the machine: the share of time runnable tasks
# waited for a CPU (Linux PSI, "some"). cpu_pressure: over the last minute, as "N%";
# cpu_pressure_10: over the last 10 s, a bare number or n/a; cpu_pressure_10_60: both.
cpu_pressure() { sed -n 's/^some avg10=[0-9.]* avg60=\([0-9.]*\).*/\1%/p' /proc/pressure/cpu 2>/dev/null || true; }
cpu_pressure_10() { sed -n 's/^some avg10=\([0-9.]*\) .*/\1/p' /proc/pressure/cpu 2>/dev/null || echo n/a; }
cpu_pressure_10_60() { sed -n 's/^some avg10=\([0-9.]*\) avg60=\([0-9.]*\).*/\1% (10 s), \2% (60 s)/p' /proc/pressure/cpu 2>/dev/null || true; }

# The load averages over 1, 5 and 15 minutes.
load_average() { cut -d' ' -f1-3 /proc/loadavg; }

# The CPU model and the memory of the machine, for the report's header.
cpu_model() { sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1; }
mem_total() { awk '/^MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo; }

# The commit the repository $1 is at, and whether tracked files have changed since.
git_revision() {
  local head
  head=$(git -C "$1" rev-parse --short HEAD 2>/dev/null || echo unknown)
  if [[ -n $(git -C "$1" status --porcelain --untracked-files=no 2>/dev/null) ]]; then
    head+=" + uncommitted changes"
  fi
  echo "$head"
}

# Which udm was measured: the installed library (other work may reinstall it any time).
udm_so_id() {
  local so
  so=$("$PG_BIN/pg_config" --pkglibdir)/udm.so
  echo "$(sha256sum "$so" | cut -c1-12), installed $(date -u -r "$so" '+%Y-%m-%d %H:%M:%S UTC')"
}

# Print a warning if udm.so is no longer the one whose udm_so_id was $1.
warn_if_reinstalled() {
  if [[ $(udm_so_id) != "$1" ]]; then
    echo "warning: udm.so was reinstalled during the run (now $(udm_so_id)): the results mix two builds"
  fi
}

# Exit unless PostgreSQL 15's psql is there.
require_psql() { [[ -x $PSQL ]] || die "$PSQL not found (PostgreSQL 15 client; scripts/setup installs it)"; }

# Exit unless udm is installed.
require_udm() {
  [[ -f $("$PG_BIN/pg_config" --sharedir)/extension/udm.control ]] ||
    die "udm is not installed (make && sudo make install, or scripts/test)"
}

# Exit unless the installed udm's script mentions $1 (a feature the benchmark needs, which
# the message calls $2).
require_udm_sql() {
  grep -q "$1" "$("$PG_BIN/pg_config" --sharedir)/extension/udm--0.1.0.sql" 2>/dev/null ||
    die "the installed udm has no $2 (rebuild and reinstall: make && sudo make install)"
}

# Start a throwaway cluster (scripts/lib/cluster.sh; extra settings in UDM_CLUSTER_CONF),
# removed when the script exits. Call it from the script's top level.
start_throwaway_cluster() {
  note "starting a throwaway PostgreSQL 15 cluster (unix socket only)"
  # shellcheck disable=SC2119 # no options: a socket-only cluster
  udm_cluster_throwaway >/dev/null || die "could not start a throwaway cluster"
}

# psql on the benchmark's database, bounded by $PSQL_TIMEOUT.
psql_db() { timeout --foreground -k 10 "${PSQL_TIMEOUT:?}" "$PSQL" -X -q -v ON_ERROR_STOP=1 -d "${db:?}" "$@"; }

# Create the benchmark's database $db.
create_database() {
  timeout 120 "$PSQL" -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $db" >/dev/null ||
    die "could not create database $db"
}

# The CPU time (user + system, seconds) process $1 has used so far; 0 if it is gone.
proc_cpu_s() {
  [[ -n ${1:-} && -r /proc/$1/stat ]] || { echo 0; return 0; }
  awk -v hz="$(getconf CLK_TCK)" '{sub(/.*\) /, ""); printf "%.2f", ($12 + $13) / hz}' "/proc/$1/stat"
}
