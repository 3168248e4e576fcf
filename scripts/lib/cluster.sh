# shellcheck shell=bash
# Helpers for local PostgreSQL 15 clusters used by udm's scripts.
# Source this file; do not execute it.
#
#   udm_cluster_start [--tcp] [--persistent] <dir> [port]
#       Initialise (if needed) and start a cluster with data in <dir>/data,
#       a private (0700) socket directory <dir>/sock and the log in
#       <dir>/postgres.log.  Socket only by default; --tcp also listens on
#       127.0.0.1 (never on any other address).  Without --persistent the
#       cluster gets test-speed settings (fsync=off, ...), so use
#       --persistent for clusters whose data must survive a crash.
#       If the cluster is already running it is reused.
#       Exports PGHOST PGPORT PGUSER PGDATABASE for it.
#       Extra postgresql.conf lines may be given in $UDM_CLUSTER_CONF.
#   udm_cluster_stop <dir>
#       Stop the cluster in <dir> (fast shutdown); fine if it is not running.
#   udm_cluster_throwaway [--tcp]
#       Start a cluster in a fresh temporary directory (UDM_CLUSTER_DIR) that
#       is stopped and removed when the calling shell exits, whether it
#       succeeds or fails, or gets INT/TERM.  Must be called in the main
#       shell (not in $(...)), as it sets traps and exports variables.
#   udm_cluster_throwaway_cleanup
#       Stop and remove the throwaway clusters now (the exit trap then has
#       nothing left to do).
#
# When run as root, PostgreSQL runs as the `postgres` OS user (which is then
# also the superuser PGUSER); otherwise as the current user.

UDM_PG_BIN=${UDM_PG_BIN:-/usr/lib/postgresql/15/bin}

_udm_log() { echo "cluster: $*" >&2; }

# The OS user that runs PostgreSQL (and the name of its superuser).
_udm_pg_os_user() {
  if [[ $(id -u) -eq 0 ]]; then
    echo postgres
  else
    id -un
  fi
}

# Run a command as the PostgreSQL OS user, from /, so that an unreadable
# current directory does not bother it.  Paths must be absolute.
_udm_as_pg() {
  if [[ $(id -u) -eq 0 ]]; then
    (cd / && runuser -u postgres -- "$@")
  else
    (cd / && "$@")
  fi
}

# Is something accepting TCP connections on 127.0.0.1:<port>?
_udm_tcp_port_busy() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Print a port: any for a socket-only cluster (its socket dir is private),
# otherwise one that nothing listens on at 127.0.0.1.
_udm_pick_port() {
  local tcp=$1 port try
  for ((try = 0; try < 50; try++)); do
    port=$((20000 + RANDOM % 30000))
    if [[ $tcp -eq 0 ]] || ! _udm_tcp_port_busy "$port"; then
      echo "$port"
      return 0
    fi
  done
  _udm_log "error: could not find a free TCP port on 127.0.0.1"
  return 1
}

_udm_locale() {
  if locale -a 2>/dev/null | grep -Eqix 'c\.utf-?8'; then
    echo C.UTF-8
  else
    echo C
  fi
}

# Is the cluster with data directory <datadir> running?
_udm_running() {
  [[ -f $1/PG_VERSION ]] && _udm_as_pg "$UDM_PG_BIN/pg_ctl" -D "$1" status >/dev/null 2>&1
}

_udm_export_env() {
  local dir=$1 port=$2
  export PGHOST="$dir/sock"
  export PGPORT="$port"
  PGUSER=$(_udm_pg_os_user)
  export PGUSER
  export PGDATABASE=postgres
}

_udm_show_log_tail() {
  local log=$1
  if [[ -f $log ]]; then
    _udm_log "last lines of $log:"
    tail -n 40 "$log" >&2 || true
  fi
}

udm_cluster_start() {
  local tcp=0 persistent=0
  while (($#)); do
    case $1 in
      --tcp) tcp=1; shift ;;
      --persistent) persistent=1; shift ;;
      --) shift; break ;;
      -*) _udm_log "udm_cluster_start: unknown option $1"; return 2 ;;
      *) break ;;
    esac
  done
  if (($# < 1 || $# > 2)); then
    _udm_log "usage: udm_cluster_start [--tcp] [--persistent] <dir> [port]"
    return 2
  fi
  local dir=$1 port=${2:-}
  local pguser
  pguser=$(_udm_pg_os_user)

  mkdir -p "$dir" || return 1
  dir=$(cd "$dir" && pwd -P) || return 1
  local data=$dir/data sock=$dir/sock log=$dir/postgres.log

  if [[ $(id -u) -eq 0 ]]; then
    chown postgres: "$dir" || return 1
    if ! runuser -u postgres -- test -w "$dir" -a -x "$dir"; then
      _udm_log "error: the postgres OS user cannot use $dir (is a parent directory not searchable?)"
      return 1
    fi
  fi

  # Already running: reuse it, on whatever port it runs.
  if _udm_running "$data"; then
    local running_port
    running_port=$(sed -n 4p "$data/postmaster.pid" 2>/dev/null)
    if [[ -n $port && $port != "$running_port" ]]; then
      _udm_log "note: cluster in $dir is already running on port $running_port (not $port); reusing it"
    fi
    _udm_export_env "$dir" "$running_port"
    return 0
  fi

  if [[ -z $port ]]; then
    port=$(_udm_pick_port "$tcp") || return 1
  fi
  if ! [[ $port =~ ^[0-9]+$ ]] || ((port < 1024 || port > 65535)); then
    _udm_log "error: bad port '$port'"
    return 1
  fi
  if [[ $tcp -eq 1 ]] && _udm_tcp_port_busy "$port"; then
    _udm_log "error: port $port on 127.0.0.1 is already in use by another program"
    return 1
  fi
  # Unix socket paths are limited to 107 bytes.
  local sockfile="$sock/.s.PGSQL.$port"
  if ((${#sockfile} > 107)); then
    _udm_log "error: socket path $sockfile is too long (max 107 bytes); use a shorter directory"
    return 1
  fi

  _udm_as_pg mkdir -p "$sock" || return 1
  _udm_as_pg chmod 0700 "$sock" || return 1

  if [[ ! -f $data/PG_VERSION ]]; then
    local initlog=$dir/initdb.log
    if ! _udm_as_pg "$UDM_PG_BIN/initdb" -D "$data" -U "$pguser" \
      --auth-local=trust --auth-host=scram-sha-256 \
      -E UTF8 --locale="$(_udm_locale)" --no-instructions \
      >"$initlog" 2>&1; then
      _udm_log "error: initdb failed:"
      cat "$initlog" >&2
      return 1
    fi
    rm -f "$initlog"
    printf "\n# udm: settings managed by scripts/lib/cluster.sh\ninclude_if_exists = 'udm.conf'\n" |
      _udm_as_pg tee -a "$data/postgresql.conf" >/dev/null || return 1
  fi

  # Rewritten on every start, so port/listen/mode follow the caller.
  local listen=""
  [[ $tcp -eq 1 ]] && listen=127.0.0.1
  {
    echo "# written by scripts/lib/cluster.sh on each start; edits are lost"
    echo "port = $port"
    echo "listen_addresses = '$listen'"
    echo "unix_socket_directories = '$sock'"
    echo "unix_socket_permissions = 0700"
    echo "logging_collector = off"
    echo "log_line_prefix = '%m [%p] %q%u@%d '"
    echo "password_encryption = 'scram-sha-256'"
    if [[ $persistent -eq 0 ]]; then
      echo "# throwaway cluster: speed over durability"
      echo "fsync = off"
      echo "synchronous_commit = off"
      echo "full_page_writes = off"
      echo "wal_level = minimal"
      echo "max_wal_senders = 0"
      echo "max_wal_size = '1GB'"
      echo "checkpoint_timeout = '30min'"
    fi
    if [[ -n ${UDM_CLUSTER_CONF:-} ]]; then
      echo "# from UDM_CLUSTER_CONF"
      printf '%s\n' "$UDM_CLUSTER_CONF"
    fi
  } | _udm_as_pg tee "$data/udm.conf" >/dev/null || return 1

  if ! _udm_as_pg "$UDM_PG_BIN/pg_ctl" -D "$data" -l "$log" -w -t 60 -s start; then
    _udm_log "error: PostgreSQL failed to start (data: $data)"
    _udm_show_log_tail "$log"
    return 1
  fi
  _udm_export_env "$dir" "$port"
}

udm_cluster_stop() {
  if (($# != 1)); then
    _udm_log "usage: udm_cluster_stop <dir>"
    return 2
  fi
  local dir=$1
  [[ -d $dir ]] || return 0
  dir=$(cd "$dir" && pwd -P) || return 0
  local data=$dir/data
  if _udm_running "$data"; then
    if ! _udm_as_pg "$UDM_PG_BIN/pg_ctl" -D "$data" -m fast -w -t 60 -s stop; then
      _udm_log "warning: could not stop the cluster in $dir"
      _udm_show_log_tail "$dir/postgres.log"
      return 1
    fi
  fi
  return 0
}

# --- throwaway clusters -------------------------------------------------

_UDM_THROWAWAY_DIRS=()
_UDM_THROWAWAY_TRAPPED=0
_UDM_PREV_EXIT_TRAP=""

udm_cluster_throwaway_cleanup() {
  local dir
  for dir in "${_UDM_THROWAWAY_DIRS[@]}"; do
    udm_cluster_stop "$dir" || true
    rm -rf -- "$dir" || true
  done
  _UDM_THROWAWAY_DIRS=()
}

_udm_throwaway_on_exit() {
  local rc=$?
  set +e
  udm_cluster_throwaway_cleanup
  if [[ -n $_UDM_PREV_EXIT_TRAP ]]; then
    eval "$_UDM_PREV_EXIT_TRAP"
  fi
  exit "$rc"
}

_udm_throwaway_on_signal() {
  local sig=$1 rc=$2
  trap - "$sig"
  _udm_log "caught SIG$sig, cleaning up"
  exit "$rc" # runs the EXIT trap
}

udm_cluster_throwaway() {
  if ((_UDM_THROWAWAY_TRAPPED == 0)); then
    # Keep (and later run) an EXIT trap the caller had already set.
    local prev
    prev=$(trap -p EXIT)
    if [[ -n $prev ]]; then
      local -a parts
      eval "parts=($prev)"
      _UDM_PREV_EXIT_TRAP=${parts[2]}
    fi
    trap _udm_throwaway_on_exit EXIT
    trap '_udm_throwaway_on_signal INT 130' INT
    trap '_udm_throwaway_on_signal TERM 143' TERM
    _UDM_THROWAWAY_TRAPPED=1
  fi

  local base=${TMPDIR:-/tmp}
  [[ $(id -u) -eq 0 ]] && base=/tmp # the postgres user must reach it
  local dir
  dir=$(mktemp -d "$base/udm-pg.XXXXXX") || return 1
  _UDM_THROWAWAY_DIRS+=("$dir")
  chmod 0700 "$dir" || return 1
  if [[ $(id -u) -eq 0 ]]; then
    chown postgres: "$dir" || return 1
  fi
  UDM_CLUSTER_DIR=$dir
  export UDM_CLUSTER_DIR
  udm_cluster_start "$@" "$dir"
}
