# Shell functions shared by .ci/run and the peer scripts in .ci/peers/.
# Source it after defining log(); nothing here runs by itself.

# A stopped child stays a zombie until its parent reaps it, and `kill -0`
# still succeeds on a zombie, so check the process state.
pid_alive() {
    local stat
    stat=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
    [[ $stat != Z* ]]
}

listening() {
    ss -ltnH "sport = :$1" | grep -q .
}

# Run apt-get with a policy-rc.d that forbids starting services, so package
# scripts cannot start system daemons on their standard ports.
apt_without_services() {
    local policy=/usr/sbin/policy-rc.d added=no
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy"
        chmod 755 "$policy"
        added=yes
    fi
    local rc=0
    DEBIAN_FRONTEND=noninteractive apt-get "$@" || rc=$?
    if [ "$added" = yes ]; then
        rm -f "$policy"
    fi
    return "$rc"
}

# Stop the process whose PID is in file $1 (described as $2 in messages):
# SIGTERM, up to 5 s of waiting, then SIGKILL. Removes the file.
stop_pid_file() {
    local pid_file=$1 name=${2:-$1} pid
    [ -s "$pid_file" ] || return 0
    pid=$(tr -d ' \n' <"$pid_file")
    if [ -n "$pid" ] && pid_alive "$pid"; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 100); do
            pid_alive "$pid" || break
            sleep 0.05
        done
        if pid_alive "$pid"; then
            log "$name (PID $pid) still running after 5 s, sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    rm -f "$pid_file"
    log "stopped $name (PID $pid)"
}
