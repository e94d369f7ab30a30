#!/bin/bash
# OpenSSH server for tests/test_ssh.py: bash .ci/peers/ssh.sh install|start|stop
#
#   127.0.0.1:2222 and [::1]:2222  OpenSSH sshd with password,
#                                  keyboard-interactive (PAM) and public-key
#                                  logins for the test user sshtest (password
#                                  sshpass).
#
# install creates the user, the host key and three client keys in $KEY_DIR.
# The tests read them there, so they must run as root:
#   hostkey, hostkey.pub              the server's ED25519 host key
#   client_ed25519                    authorized key without a passphrase
#   client_passphrase_ed25519         authorized key, passphrase "keypass"
#   other_ed25519                     a key that is NOT authorized
# It also stores the server's host key in ~sshtest/.ssh/known_hosts for
# 127.0.0.1, ::1 and localhost port 2222, so an ssh run on the server (the
# bastion tests) trusts the same server as its inner host.
#
# Run as root, as .ci/run does. STATE must name a writable directory; the
# sshd configuration, PID and log go to $STATE/ssh.
set -euo pipefail

: "${STATE:?set STATE to a writable state directory}"
DIR=$STATE/ssh
KEY_DIR=${TTLRUN_SSH_PEER_DIR:-/var/lib/ttlrun-peers/ssh}
PORT=2222
TEST_USER=sshtest
TEST_PASSWORD=sshpass
KEY_PASSPHRASE=keypass
SSHD=/usr/sbin/sshd

log() { echo "ssh peer: $*" >&2; }

# A stopped daemon stays a zombie until PID 1 reaps it, and kill -0 still
# succeeds on a zombie, so the process state decides.
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/lib.sh"

make_key() {
    local path=$1 passphrase=$2
    [ -f "$path" ] || ssh-keygen -q -t ed25519 -N "$passphrase" -C "ttlrun test $(basename "$path")" -f "$path"
}

write_config() {
    # Paths must be absolute: sshd re-executes itself from / for every
    # connection. /run/sshd is its privilege separation directory, which
    # even sshd -t requires.
    mkdir -p /run/sshd
    chmod 755 /run/sshd
    cat >"$DIR/sshd_config" <<CONF
Port $PORT
ListenAddress 127.0.0.1
ListenAddress ::1
HostKey $KEY_DIR/hostkey
PidFile $DIR/sshd.pidfile
UsePAM yes
PasswordAuthentication yes
KbdInteractiveAuthentication yes
PubkeyAuthentication yes
AuthorizedKeysFile .ssh/authorized_keys
PermitRootLogin no
AllowUsers $TEST_USER
AllowTcpForwarding yes
LogLevel VERBOSE
PrintMotd no
Subsystem sftp /usr/lib/openssh/sftp-server
CONF
    # OpenSSH 9.8 and later refuse a source address for a while after failed
    # logins, which the wrong-password tests cause on purpose.
    if "$SSHD" -t -f "$DIR/sshd_config" -o PerSourcePenalties=no 2>/dev/null; then
        echo "PerSourcePenalties no" >>"$DIR/sshd_config"
    fi
    "$SSHD" -t -f "$DIR/sshd_config"
}

install_peer() {
    mkdir -p "$DIR"
    if [ ! -x "$SSHD" ] || ! command -v ssh >/dev/null || ! command -v scp >/dev/null; then
        log "installing openssh-server and openssh-client"
        apt-get update -qq
        apt_without_services install -y -q --no-install-recommends openssh-server openssh-client >/dev/null
    fi
    command -v ss >/dev/null || apt_without_services install -y -q --no-install-recommends iproute2 >/dev/null

    install -d -m 700 "$KEY_DIR"
    make_key "$KEY_DIR/hostkey" ""
    make_key "$KEY_DIR/client_ed25519" ""
    make_key "$KEY_DIR/client_passphrase_ed25519" "$KEY_PASSPHRASE"
    make_key "$KEY_DIR/other_ed25519" ""

    id "$TEST_USER" >/dev/null 2>&1 || useradd -m -s /bin/bash "$TEST_USER"
    echo "$TEST_USER:$TEST_PASSWORD" | chpasswd
    local home
    home=$(getent passwd "$TEST_USER" | cut -d: -f6)
    install -d -m 700 -o "$TEST_USER" -g "$TEST_USER" "$home/.ssh"
    cat "$KEY_DIR/client_ed25519.pub" "$KEY_DIR/client_passphrase_ed25519.pub" >"$home/.ssh/authorized_keys"
    local host_key
    host_key=$(cut -d' ' -f1,2 "$KEY_DIR/hostkey.pub")
    printf '[127.0.0.1]:%s,[::1]:%s,[localhost]:%s %s\n' "$PORT" "$PORT" "$PORT" "$host_key" >"$home/.ssh/known_hosts"
    chown "$TEST_USER:$TEST_USER" "$home/.ssh/authorized_keys" "$home/.ssh/known_hosts"
    chmod 600 "$home/.ssh/authorized_keys" "$home/.ssh/known_hosts"

    write_config
}

start_peer() {
    mkdir -p "$DIR" /run/sshd
    chmod 755 /run/sshd
    local pid_file=$DIR/sshd.pid
    if [ -s "$pid_file" ] && pid_alive "$(cat "$pid_file")" && listening "$PORT"; then
        log "sshd is already running (PID $(cat "$pid_file"))"
        return 0
    fi
    if listening "$PORT"; then
        log "port $PORT is taken by another process; stop it first"
        return 1
    fi
    [ -f "$DIR/sshd_config" ] || write_config
    # -D keeps sshd in the foreground, so $! is the daemon's PID; -e logs to stderr.
    "$SSHD" -D -e -f "$DIR/sshd_config" >"$DIR/sshd.log" 2>&1 </dev/null &
    local pid=$!
    echo "$pid" >"$pid_file"
    for _ in $(seq 1 200); do
        if listening "$PORT"; then
            log "started sshd on 127.0.0.1:$PORT and [::1]:$PORT (PID $pid)"
            return 0
        fi
        if ! pid_alive "$pid"; then
            log "sshd (PID $pid) exited; see $DIR/sshd.log"
            return 1
        fi
        sleep 0.05
    done
    log "nothing is listening on port $PORT after 10 s"
    return 1
}

stop_peer() {
    stop_pid_file "$DIR/sshd.pid" sshd
}

case "${1:-}" in
install) install_peer ;;
start) start_peer ;;
stop) stop_peer ;;
*)
    echo "usage: STATE=DIR $0 install|start|stop" >&2
    exit 2
    ;;
esac
