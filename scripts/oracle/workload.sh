#!/usr/bin/env bash
# The field oracle's live workload, recorded by scripts/oracle/record.ts with `saker capture`:
# files, sockets of every family, pipes, process trees, threads, setuid and failed calls, so that
# the captured events cover what Saker's state and fields must agree with libs on.
# Usage: workload.sh SCRATCH_DIR EXERCISE_BINARY   (waits for a line on stdin before acting)
set -u
S=$1; EX=$2
echo started
read -r _go

# Files: read, write, rename, links, directories, chmod, a failed open, a sensitive file.
cat /etc/hostname > /dev/null
ls "$S" > /dev/null
sh -c "echo data > $S/w.txt; mv $S/w.txt $S/r.txt; ln -s $S/r.txt $S/sym; ln $S/r.txt $S/hard; chmod 600 $S/r.txt"
mkdir "$S/d"; rmdir "$S/d"; rm -f "$S/sym" "$S/hard"
cat "$S/missing" 2> /dev/null
cat /etc/shadow > /dev/null
cd "$S" && cat ./r.txt > /dev/null && cd - > /dev/null

# Pipes and a process tree.
echo hello | tr a-z A-Z | cat > /dev/null
sh -c "sh -c 'ls / > /dev/null'"

# Every syscall the sensor decodes, through the sensor's own exerciser.
mkdir -p "$S/ex"
"$EX" all "$S/ex" 9 > /dev/null 2>&1

# Sockets of every family, threads, setuid and failed calls.
/usr/bin/python3 - "$S" <<'PY'
import os, socket, sys, threading, time
S = sys.argv[1]
# TCP over IPv4: listen, connect, accept, send, receive.
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.bind(('127.0.0.1', 0)); srv.listen(1)
cli = socket.create_connection(srv.getsockname())
conn, _ = srv.accept()
cli.sendall(b'ping'); conn.recv(4); conn.sendall(b'pong'); cli.recv(4)
for s in (cli, conn, srv): s.close()
# TCP over IPv6.
try:
    s6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s6.bind(('::1', 0)); s6.listen(1)
    c6 = socket.create_connection(s6.getsockname()[:2])
    a6, _ = s6.accept(); c6.send(b'x'); a6.recv(1)
    for s in (c6, a6, s6): s.close()
except OSError:
    pass
# UDP: unconnected sendto, then a connected socket that sends to another address explicitly.
u1 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u1.bind(('127.0.0.1', 0))
u2 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u2.bind(('127.0.0.1', 0))
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.sendto(b'a', u1.getsockname())
u.connect(u1.getsockname()); u.send(b'b')
u.sendto(b'c', u2.getsockname())
u1.recvfrom(8); u2.recvfrom(8)
for s in (u, u1, u2): s.close()
u6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
try:
    u6.sendto(b'd', ('::1', 9))
except OSError:
    pass
u6.close()
# A refused connect (failed call).
r = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
try:
    r.connect(('127.0.0.1', 9))
except OSError:
    pass
r.close()
# Unix sockets: a named stream server, a datagram pair.
path = os.path.join(S, 'sock')
us = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); us.bind(path); us.listen(1)
uc = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); uc.connect(path)
ua, _ = us.accept(); uc.send(b'u'); ua.recv(1)
for s in (uc, ua, us): s.close()
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM); a.send(b'p'); b.recv(1); a.close(); b.close()
# Netlink and packet sockets.
nl = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0); nl.bind((0, 0)); nl.close()
try:
    pk = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0); pk.close()
except OSError:
    pass
# Pipes.
rfd, wfd = os.pipe(); os.write(wfd, b'z'); os.read(rfd, 1); os.close(rfd); os.close(wfd)
# Threads opening files.
def work(i):
    with open('/etc/hostname') as f: f.read()
    try: open(os.path.join(S, 'nope-%d' % i))
    except OSError: pass
ts = [threading.Thread(target=work, args=(i,)) for i in range(3)]
for t in ts: t.start()
for t in ts: t.join()
# Failed calls: unlink of a missing file, mkdir over an existing one.
for f in (lambda: os.unlink(os.path.join(S, 'missing')), lambda: os.mkdir(S)):
    try: f()
    except OSError: pass
# setuid: to daemon (uid 1), in a child.
pid = os.fork()
if pid == 0:
    try:
        os.setgid(1); os.setuid(1)
        open('/etc/hostname').close()
    finally:
        os._exit(0)
os.waitpid(pid, 0)
PY

# A user without a name in /etc/passwd, and nobody.
setpriv --reuid=4321 --regid=4321 --clear-groups cat /etc/hostname > /dev/null
setpriv --reuid=nobody --regid=nogroup --clear-groups ls "$S" > /dev/null
exit 0
