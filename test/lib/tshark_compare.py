#!/usr/bin/python3
"""tshark_compare.py: check pgwire's message boundaries and types against
Wireshark's independent PostgreSQL dissector on the same traffic.

    tshark_compare.py CAPTURE PORT SAVEDIR

CAPTURE is a pcap of the client side of `pgwire proxy` (port PORT, the
proxy's listen port); SAVEDIR is the proxy's --save directory.  For every
saved connection (conn-N.frontend / conn-N.backend) the messages pgwire
decodes (`pgwire decode --conversation --format json`) must equal, per
direction and in order, the (type, length) list tshark dissects from one
TCP stream of the capture.  Connections are matched by content, not by
order, so concurrent clients cannot confuse the comparison.  Prints one
"ok - ..." / "not ok - ..." line per connection.
"""
import glob
import json
import os
import subprocess
import sys

# pgwire message name -> tshark's pgsql.type text (Wireshark 4.0)
TSHARK_NAME = {
    "SSLRequest": "SSL request", "GSSENCRequest": "GSS encrypt request",
    "StartupMessage": "Startup message", "CancelRequest": "Cancel request",
    "Query": "Simple query", "Parse": "Parse", "Bind": "Bind",
    "Describe": "Describe", "Execute": "Execute", "Sync": "Sync",
    "Flush": "Flush", "Close": "Close", "Terminate": "Termination",
    "CopyData": "Copy data", "CopyDone": "Copy completion",
    "CopyFail": "Copy failure", "FunctionCall": "Function call",
    "PasswordMessage": "Password message",
    "SASLInitialResponse": "SASLInitialResponse message",
    "SASLResponse": "SASLResponse message",
    "BackendKeyData": "Backend key data", "BindComplete": "Bind completion",
    "CloseComplete": "Close completion",
    "CommandComplete": "Command completion",
    "CopyInResponse": "CopyIn response", "CopyOutResponse": "CopyOut response",
    "CopyBothResponse": "CopyBoth response", "DataRow": "Data row",
    "EmptyQueryResponse": "Empty query", "ErrorResponse": "Error",
    "NoticeResponse": "Notice", "NotificationResponse": "Notification",
    "NoData": "No data", "ParameterStatus": "Parameter status",
    "ParameterDescription": "Parameter description",
    "ParseComplete": "Parse completion", "PortalSuspended": "Portal suspended",
    "ReadyForQuery": "Ready for query", "RowDescription": "Row description",
    "FunctionCallResponse": "Function call response",
    "NegotiateProtocolVersion": "Negotiate protocol version",
}


def tshark_streams(capture, port):
    """{tcp.stream: {"F": [(name, len)], "B": [...]}} from tshark.

    On loopback with several CPUs the packet socket can record a segment
    after the one that follows it (seen: pgbench -i's COPY, 65 kB segments);
    TCP reorders them, and so must tshark, or it loses the message
    boundaries of the rest of the stream.
    """
    out = subprocess.run(
        ["tshark", "-r", capture, "-o", "tcp.reassemble_out_of_order:TRUE",
         "-d", "tcp.port==%s,pgsql" % port,
         "-T", "fields", "-e", "tcp.stream", "-e", "tcp.srcport",
         "-e", "pgsql.type", "-e", "pgsql.length",
         "-E", "occurrence=a", "-E", "aggregator=|"],
        check=True, capture_output=True, text=True).stdout
    streams = {}
    for line in out.splitlines():
        cols = line.split("\t")
        if len(cols) < 4 or not cols[2]:
            continue
        d = "B" if cols[1] == str(port) else "F"
        s = streams.setdefault(cols[0], {"F": [], "B": []})
        for name, length in zip(cols[2].split("|"), cols[3].split("|")):
            s[d].append((name, int(length)))
    return streams


def lossy_streams(capture):
    """tcp.stream numbers in which the capture misses segments: tshark
    cannot find message boundaries there, whatever the codec does."""
    out = subprocess.run(
        ["tshark", "-r", capture, "-Y", "tcp.analysis.lost_segment",
         "-T", "fields", "-e", "tcp.stream"],
        check=True, capture_output=True, text=True).stdout
    return set(out.split())


def pgwire_messages(pgwire, front, back):
    """The same lists from pgwire's decoding of the saved streams."""
    res = subprocess.run([pgwire, "decode", "--conversation", front, back,
                          "--format", "json"], capture_output=True, text=True)
    msgs = {"F": [], "B": []}
    errors = []
    for line in res.stdout.splitlines():
        m = json.loads(line)
        if "message" not in m:
            errors.append(line)
            continue
        if m.get("type") is None and m["message"] in ("SSLResponse",
                                                      "GSSENCResponse"):
            continue  # tshark shows the one-byte answers as no message
        d = "F" if m["direction"] == "frontend" else "B"
        msgs[d].append((TSHARK_NAME.get(m["message"],
                                        m["message"].startswith("Authentication")
                                        and "Authentication request"
                                        or "?" + m["message"]),
                        m["length"]))
    return msgs, errors, res.returncode


def main():
    capture, port, savedir = sys.argv[1:4]
    pgwire = os.environ.get("PGWIRE", os.path.join(
        os.path.dirname(__file__), "..", "..", "tools", "pgwire"))
    streams = tshark_streams(capture, port)
    unmatched = dict(streams)
    failed = 0
    fronts = sorted(glob.glob(os.path.join(savedir, "*.frontend")))
    if not fronts:
        print("not ok - no saved connections in %s" % savedir)
        return 1
    for front in fronts:
        back = front[:-len(".frontend")] + ".backend"
        name = os.path.basename(front)[:-len(".frontend")]
        msgs, errors, rc = pgwire_messages(pgwire, front, back)
        match = [k for k, s in unmatched.items() if s == msgs]
        if errors or rc != 0:
            print("not ok - %s: pgwire decode reported errors: %s"
                  % (name, errors[:2]))
            failed += 1
        elif match:
            del unmatched[match[0]]
            print("ok - %s: %d frontend and %d backend messages agree with tshark"
                  % (name, len(msgs["F"]), len(msgs["B"])))
        else:
            failed += 1
            print("not ok - %s: no tshark stream has the same messages" % name)
            key = min(streams, key=lambda k: abs(
                len(streams[k]["F"]) - len(msgs["F"])) +
                abs(len(streams[k]["B"]) - len(msgs["B"])))
            best = streams[key]
            if key in lossy_streams(capture):
                print("#   tcp.stream %s has segments tshark reports lost" % key)
            for d in "FB":
                for i, (a, b) in enumerate(zip(msgs[d], best[d])):
                    if a != b:
                        print("#   %s message %d: pgwire %s, tshark %s" % (d, i, a, b))
                        break
                else:
                    if len(msgs[d]) != len(best[d]):
                        print("#   %s: pgwire %d messages, tshark %d"
                              % (d, len(msgs[d]), len(best[d])))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
