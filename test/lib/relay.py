#!/usr/bin/env python3
"""
relay.py -- a TCP relay that saves both directions of every connection.

Tests use it to capture real traffic between a real client (libpq, psql)
and a real server, so that decoders are checked against bytes a real peer
produced rather than bytes we invented.

    relay.py --listen 127.0.0.1:PORT --upstream HOST:PORT --save DIR [--once]
             [--order]

Every byte is forwarded unchanged both ways.  For the n-th accepted
connection (n from 1) the bytes the client sent are appended to
DIR/<n>.frontend and the bytes the server sent to DIR/<n>.backend, in wire
order per direction.  Each file is flushed as bytes arrive, and both files
are complete once the connection is closed.  Connections are served
concurrently (one thread per direction).  With --once the relay exits after
the first connection has closed in both directions.  "listening" is printed
on stdout (flushed) once the listening socket accepts connections, so a
test can wait for that line instead of sleeping.

With --order the relay also writes DIR/<n>.order: one line per chunk
received, "F OFFSET LENGTH" (from the client) or "B OFFSET LENGTH" (from
the server), in the order the relay received them.  Since a peer can only
answer bytes it has received, this is the real interleaving of the two
directions, chunk by chunk, which a test can hold a reconstructed order
against.
"""

import argparse
import os
import socket
import sys
import threading


def parse_addr(text):
    """'host:port' -> (host, port); the host may be empty for 127.0.0.1."""
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit():
        raise argparse.ArgumentTypeError("expected HOST:PORT, got %r" % text)
    return (host or "127.0.0.1", int(port))


class OrderLog:
    """The shared, locked "<n>.order" file of one connection (or nothing)."""

    def __init__(self, path):
        self.lock = threading.Lock()
        self.out = open(path, "w") if path else None

    def record(self, side, offset, length):
        if self.out:
            with self.lock:
                self.out.write("%s %d %d\n" % (side, offset, length))
                self.out.flush()

    def close(self):
        if self.out:
            self.out.close()


def pump(src, dst, path, side, order):
    """Copy src to dst until EOF or error, saving every byte to path.

    On EOF the write side of dst is shut down so that a half-close (the
    client sending Terminate and closing) reaches the other peer as it
    would without the relay.  If dst goes away first, what src still
    sends is saved anyway: the file holds everything src put on the wire.
    """
    dst_open = True
    offset = 0
    with open(path, "wb") as out:
        while True:
            try:
                data = src.recv(65536)
            except OSError:
                data = b""
            if not data:
                break
            # logged before forwarding: any answer to it is received later
            order.record(side, offset, len(data))
            offset += len(data)
            out.write(data)
            out.flush()
            if dst_open:
                try:
                    dst.sendall(data)
                except OSError:
                    dst_open = False
    try:
        dst.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def serve(n, client, upstream, save_dir, with_order):
    """Relay one accepted connection until both directions are finished."""
    base = os.path.join(save_dir, str(n))
    try:
        server = socket.create_connection(upstream)
    except OSError as e:
        sys.stderr.write("relay: connection %d: upstream %s:%d: %s\n"
                         % (n, upstream[0], upstream[1], e))
        # Leave empty files so the test sees the connection happened.
        open(base + ".frontend", "wb").close()
        open(base + ".backend", "wb").close()
        client.close()
        return
    for s in (client, server):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    order = OrderLog(base + ".order" if with_order else None)
    fe = threading.Thread(target=pump,
                          args=(client, server, base + ".frontend", "F", order))
    be = threading.Thread(target=pump,
                          args=(server, client, base + ".backend", "B", order))
    fe.start()
    be.start()
    fe.join()
    be.join()
    order.close()
    client.close()
    server.close()


def main():
    ap = argparse.ArgumentParser(description="TCP relay that saves traffic")
    ap.add_argument("--listen", required=True, type=parse_addr,
                    help="HOST:PORT to listen on")
    ap.add_argument("--upstream", required=True, type=parse_addr,
                    help="HOST:PORT to forward to")
    ap.add_argument("--save", required=True,
                    help="directory for <n>.frontend and <n>.backend")
    ap.add_argument("--once", action="store_true",
                    help="exit after the first connection closes")
    ap.add_argument("--order", action="store_true",
                    help="also write <n>.order: the chunks in arrival order")
    args = ap.parse_args()

    os.makedirs(args.save, exist_ok=True)
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(args.listen)
    lsock.listen(16)
    print("listening", flush=True)

    n = 0
    threads = []
    try:
        while True:
            client, _ = lsock.accept()
            n += 1
            t = threading.Thread(target=serve,
                                 args=(n, client, args.upstream, args.save,
                                       args.order))
            t.start()
            if args.once:
                lsock.close()
                t.join()
                return 0
            threads.append(t)
    except KeyboardInterrupt:
        return 0
    finally:
        lsock.close()


if __name__ == "__main__":
    sys.exit(main())
