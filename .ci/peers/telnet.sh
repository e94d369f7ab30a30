#!/bin/bash
# Telnet peers for tests/test_telnet.py: bash .ci/peers/telnet.sh install|start|stop
#
#   127.0.0.1:2323  GNU inetutils telnetd under inetutils-inetd: full option
#                   negotiation (TTYPE, NAWS, TSPEED, BINARY, ...), PAM login.
#   127.0.0.1:2325  busybox telnetd from busybox-static, unpacked under $STATE:
#                   minimal negotiation (ECHO, SGA, NAWS), PAM login.
#
# Both run /bin/login for the test user teltest (password telpass), which
# install creates. Run as root, as .ci/run does. STATE must name a writable
# directory; this script keeps its files, PIDs and logs in $STATE/telnet.
set -euo pipefail

: "${STATE:?set STATE to a writable state directory}"
DIR=$STATE/telnet
BUSYBOX=$DIR/busybox-static/bin/busybox
INETUTILS_PORT=2323
BUSYBOX_PORT=2325
TEST_USER=teltest
TEST_PASSWORD=telpass

log() { echo "telnet peers: $*" >&2; }

# A stopped daemon stays a zombie until PID 1 reaps it, and kill -0 still
# succeeds on a zombie, so the process state decides.
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/lib.sh"

wait_for_listener() {
    local port=$1 pid=$2
    for _ in $(seq 1 200); do
        listening "$port" && return 0
        if ! pid_alive "$pid"; then
            log "the server for port $port (PID $pid) exited; see $DIR/*.log"
            return 1
        fi
        sleep 0.05
    done
    log "nothing is listening on port $port after 10 s"
    return 1
}

install_peers() {
    mkdir -p "$DIR"
    local updated=no
    if [ ! -x /usr/sbin/telnetd ] || [ ! -x /usr/sbin/inetutils-inetd ]; then
        log "installing inetutils-telnetd and inetutils-inetd"
        apt-get update -qq
        updated=yes
        apt_without_services install -y -q --no-install-recommends inetutils-telnetd inetutils-inetd >/dev/null
    fi
    command -v ss >/dev/null || apt_without_services install -y -q --no-install-recommends iproute2 >/dev/null

    # Debian's busybox package has no telnetd applet, and busybox-static,
    # which has it, replaces busybox, so the package is unpacked privately.
    if [ ! -x "$BUSYBOX" ]; then
        log "unpacking busybox-static into $DIR/busybox-static"
        [ "$updated" = yes ] || apt-get update -qq
        rm -rf "$DIR/download" "$DIR/busybox-static"
        mkdir -p "$DIR/download"
        # apt fetches as the _apt user, which must be able to write here.
        if id _apt >/dev/null 2>&1; then
            chown _apt "$DIR/download"
        fi
        (cd "$DIR/download" && apt-get download -q busybox-static >/dev/null)
        dpkg-deb -x "$DIR"/download/busybox-static_*.deb "$DIR/busybox-static"
        rm -rf "$DIR/download"
    fi

    id "$TEST_USER" >/dev/null 2>&1 || useradd -m -s /bin/bash "$TEST_USER"
    echo "$TEST_USER:$TEST_PASSWORD" | chpasswd
}

# start_server NAME PORT COMMAND...: run COMMAND in the background unless
# NAME's recorded PID is still serving PORT, and wait until PORT listens.
start_server() {
    local name=$1 port=$2
    shift 2
    local pid_file=$DIR/$name.pid
    if [ -s "$pid_file" ] && pid_alive "$(cat "$pid_file")" && listening "$port"; then
        log "$name is already running (PID $(cat "$pid_file"))"
        return 0
    fi
    if listening "$port"; then
        log "port $port is taken by another process; stop it first"
        return 1
    fi
    "$@" >"$DIR/$name.log" 2>&1 </dev/null &
    echo $! >"$pid_file"
    wait_for_listener "$port" "$!"
    log "started $name on 127.0.0.1:$port (PID $(cat "$pid_file"))"
}

start_peers() {
    mkdir -p "$DIR"
    printf '127.0.0.1:%s\tstream\ttcp\tnowait\troot\t/usr/sbin/telnetd\ttelnetd\n' "$INETUTILS_PORT" >"$DIR/inetd.conf"
    # -d keeps inetd in the foreground, so $! is the daemon's PID.
    start_server inetutils-telnetd "$INETUTILS_PORT" \
        /usr/sbin/inetutils-inetd -d -p "$DIR/inetd.pidfile" "$DIR/inetd.conf"
    start_server busybox-telnetd "$BUSYBOX_PORT" \
        "$BUSYBOX" telnetd -F -b 127.0.0.1 -p "$BUSYBOX_PORT" -l /bin/login
}

stop_server() {
    stop_pid_file "$DIR/$1.pid" "$1"
}

case "${1:-}" in
install) install_peers ;;
start) start_peers ;;
stop)
    stop_server busybox-telnetd
    stop_server inetutils-telnetd
    ;;
*)
    echo "usage: STATE=DIR $0 install|start|stop" >&2
    exit 2
    ;;
esac
