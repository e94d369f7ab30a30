#!/bin/bash
# Serial console peer for tests/test_serial.py: a socat PTY pair whose far
# end runs agetty, so the near end gives a real "login:" as a serial
# console does.
#
#     STATE=DIR bash .ci/peers/serial.sh install|start|stop
#
# install  installs socat (agetty comes with util-linux) and creates the
#          test user serialtest with password serialpass.
# start    starts the pair and agetty, and returns once agetty has the far
#          end open. The near end, which the tests open, is the symlink
#          $TTLRUN_SERIAL_DIR/console (default /tmp/ttlrun-serial/console).
#          agetty exits when a user logs out, so a supervisor loop starts a
#          new one each time. PIDs go under $STATE/serial.
# stop     stops the supervisor, agetty (or the login it became) and socat
#          by PID; socat removes the symlinks.
#
# Runs as root on Debian 12 without systemd, like .ci/run.
set -euo pipefail

ACTION=${1:?usage: serial.sh install|start|stop}
STATE=${STATE:?set STATE to a writable directory}
SERIAL_DIR=${TTLRUN_SERIAL_DIR:-/tmp/ttlrun-serial}
NEAR=$SERIAL_DIR/console
FAR=$SERIAL_DIR/console-far
PID_DIR=$STATE/serial
LOG=$PID_DIR/serial.log
TEST_USER=serialtest
TEST_PASSWORD=serialpass
AGETTY=/sbin/agetty

log() { echo "serial peer: $*" >&2; }

source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/lib.sh"

pid_from() {
    [ -r "$1" ] && tr -d ' \n' <"$1"
}

install() {
    if ! command -v socat >/dev/null; then
        log "installing socat"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends socat >/dev/null
    fi
    if [ ! -x "$AGETTY" ]; then
        log "installing util-linux for agetty"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends util-linux >/dev/null
    fi
    id "$TEST_USER" >/dev/null 2>&1 || useradd -m -s /bin/bash "$TEST_USER"
    echo "$TEST_USER:$TEST_PASSWORD" | chpasswd
}

running() {
    local pid
    pid=$(pid_from "$PID_DIR/socat.pid") || return 1
    pid_alive "$pid" && [ -e "$NEAR" ]
}

start() {
    if running; then
        log "already running (socat PID $(pid_from "$PID_DIR/socat.pid"))"
        return 0
    fi
    mkdir -p "$PID_DIR" "$SERIAL_DIR"
    rm -f "$NEAR" "$FAR"

    socat -d -d "pty,raw,echo=0,link=$NEAR" "pty,raw,echo=0,link=$FAR" >>"$LOG" 2>&1 &
    echo $! >"$PID_DIR/socat.pid"
    for _ in $(seq 1 100); do
        [ -e "$NEAR" ] && [ -e "$FAR" ] && break
        sleep 0.05
    done
    if [ ! -e "$NEAR" ] || [ ! -e "$FAR" ]; then
        log "socat made no PTY pair after 5 s; see $LOG"
        return 1
    fi

    local tty
    tty=$(readlink "$FAR")
    tty=${tty#/dev/}
    # The supervisor gets its own session, so it does not share the CI
    # script's. Each agetty gets one too, so the far end can become its
    # controlling terminal and login's. setsid execs agetty without a fork
    # here (a background job is no process group leader), so $! is
    # agetty's PID, which the supervisor writes for stop.
    setsid bash -c '
        while :; do
            setsid "$1" --noclear -L 115200 "$2" vt100 &
            echo $! >"$3"
            wait $!
            sleep 0.2
        done' serial-console-supervisor "$AGETTY" "$tty" "$PID_DIR/agetty.pid" </dev/null >>"$LOG" 2>&1 &
    echo $! >"$PID_DIR/supervisor.pid"

    # Ready when agetty has the far end open as its standard input.
    local pid
    for _ in $(seq 1 100); do
        pid=$(pid_from "$PID_DIR/agetty.pid") || pid=
        if [ -n "$pid" ] && [ "$(readlink "/proc/$pid/fd/0" 2>/dev/null)" = "/dev/$tty" ]; then
            log "serial console ready on $NEAR (agetty PID $pid on $tty)"
            return 0
        fi
        sleep 0.05
    done
    log "agetty did not open $tty within 5 s; see $LOG"
    return 1
}

stop() {
    # Stop the supervisor first, so it starts no new agetty. Then stop
    # agetty, which may have become login. Socat goes last, because its
    # exit hangs up any shell left on the far end.
    stop_pid_file "$PID_DIR/supervisor.pid" "agetty supervisor"
    stop_pid_file "$PID_DIR/agetty.pid" agetty
    stop_pid_file "$PID_DIR/socat.pid" socat
    rm -f "$NEAR" "$FAR"
}

case $ACTION in
    install) install ;;
    start) start ;;
    stop) stop ;;
    *)
        log "unknown action '$ACTION'; use install, start or stop"
        exit 2
        ;;
esac
