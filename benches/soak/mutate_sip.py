#!/usr/bin/env python3
"""A stream of mutated SIP messages at an engine, over UDP and TCP: for the soak (issue 14).

Seeds are well-formed INVITE, REGISTER, OPTIONS, INFO, BYE, NOTIFY and CANCEL requests and a
few responses; each message sent is one seed with one to four mutations (bit flips, bytes
inserted or deleted, a header line duplicated, dropped or blown up, a Content-Length that
lies, a truncation, a body swapped). Deterministic for a given --seed.

    mutate_sip.py --to 127.0.0.1:15060 --from 127.0.0.3 --rate 40 --seconds 1800
"""

import argparse
import random
import socket
import sys
import time

SDP = (
    "v=0\r\no=- 1 1 IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\nt=0 0\r\n"
    "m=audio 40000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=sendrecv\r\n"
)


def request(method, ip, port, n, extra="", body=""):
    lines = [
        f"{method} sip:8003755283@{ip}:{port} SIP/2.0",
        f"Via: SIP/2.0/UDP {ip}:5099;branch=z9hG4bK-m{n}",
        f"From: <sip:+1202555{n % 10000:04d}@{ip}>;tag=m{n}",
        f"To: <sip:8003755283@{ip}:{port}>",
        f"Call-ID: mutant-{n}@{ip}",
        f"CSeq: 1 {method}",
        f"Contact: <sip:+1202555{n % 10000:04d}@{ip}:5099>",
        "Max-Forwards: 70",
    ]
    if extra:
        lines.append(extra)
    if body:
        lines.append("Content-Type: application/sdp")
    lines.append(f"Content-Length: {len(body.encode())}")
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


def seeds(ip, port, n):
    sdp = SDP.format(ip=ip)
    return [
        request("INVITE", ip, port, n, body=sdp),
        request("INVITE", ip, port, n, "P-Asserted-Identity: <sip:+13035550199@carrier>", sdp),
        request("REGISTER", ip, port, n, 'Authorization: Digest username="ana", realm="ivr", '
                'nonce="abc", uri="sip:127.0.0.1", response="0123456789abcdef0123456789abcdef", '
                'qop=auth, nc=00000001, cnonce="x"'),
        request("OPTIONS", ip, port, n),
        request("INFO", ip, port, n, "Content-Type: application/dtmf-relay",
                "Signal=5\r\nDuration=160\r\n"),
        request("BYE", ip, port, n),
        request("CANCEL", ip, port, n),
        request("NOTIFY", ip, port, n, "Event: refer\r\nSubscription-State: active",
                "SIP/2.0 200 OK\r\n"),
        f"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP {ip}:5099;branch=z9hG4bK-m{n}\r\n"
        f"From: <sip:a@{ip}>;tag=1\r\nTo: <sip:b@{ip}>;tag=2\r\nCall-ID: mutant-{n}\r\n"
        "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n".encode(),
    ]


def mutate(data, rng, kinds=range(9)):
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        kind = rng.choice(list(kinds))
        if kind == 0 and data:  # bit flips
            for _ in range(rng.randint(1, 8)):
                i = rng.randrange(len(data))
                data[i] ^= 1 << rng.randrange(8)
        elif kind == 1:  # random bytes inserted
            i = rng.randrange(len(data) + 1)
            data[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
        elif kind == 2 and data:  # bytes deleted
            i = rng.randrange(len(data))
            del data[i:i + rng.randint(1, 64)]
        elif kind == 3:  # a header line duplicated many times
            lines = bytes(data).split(b"\r\n")
            if len(lines) > 2:
                j = rng.randrange(1, len(lines) - 1)
                lines[j:j] = [lines[j]] * rng.randint(2, 200)
                data = bytearray(b"\r\n".join(lines))
        elif kind == 4:  # a header line dropped
            lines = bytes(data).split(b"\r\n")
            if len(lines) > 2:
                del lines[rng.randrange(1, len(lines) - 1)]
                data = bytearray(b"\r\n".join(lines))
        elif kind == 5:  # a value blown up
            i = rng.randrange(len(data) + 1)
            data[i:i] = bytes([rng.choice(b"a;=<>@:,\" 0")]) * rng.randint(100, 5000)
        elif kind == 6:  # Content-Length lies
            text = bytes(data)
            k = text.find(b"Content-Length: ")
            if k >= 0:
                e = text.find(b"\r\n", k)
                n = rng.choice([-1, 0, 1, 99999, 2**31, 2**64])
                data = bytearray(text[:k] + b"Content-Length: " + str(n).encode() + text[e:])
        elif kind == 7 and data:  # truncated
            del data[rng.randrange(len(data)):]
        elif kind == 8:  # line endings changed
            data = bytearray(bytes(data).replace(b"\r\n", rng.choice([b"\n", b"\r", b"\r\r\n"])))
    return bytes(data[:65000])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--to", required=True, help="the engine's SIP address, IP:PORT")
    p.add_argument("--from", dest="source", default="127.0.0.3", help="our address")
    p.add_argument("--rate", type=float, default=40.0, help="messages per second")
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--seed", type=int, default=14)
    p.add_argument("--tcp-every", type=int, default=10, help="one message in this many over TCP")
    p.add_argument("--only", help="seed kinds to use, by index (0-8), comma-separated")
    p.add_argument("--mutations", help="mutation kinds to use, by index (0-8), comma-separated")
    args = p.parse_args()
    host, port = args.to.rsplit(":", 1)
    port = int(port)
    rng = random.Random(args.seed)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind((args.source, 0))
    udp.setblocking(False)
    sent = {"udp": 0, "tcp": 0}
    errors = 0
    start = time.monotonic()
    n = 0
    while time.monotonic() - start < args.seconds:
        due = start + n / args.rate
        wait = due - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        n += 1
        kinds = seeds(args.source, port, n)
        if args.only:
            kinds = [kinds[int(i)] for i in args.only.split(",")]
        mutations = [int(i) for i in args.mutations.split(",")] if args.mutations else range(9)
        message = mutate(rng.choice(kinds), rng, mutations)
        try:
            if n % args.tcp_every == 0:  # over a TCP connection of its own
                with socket.create_connection((host, port), timeout=2,
                                              source_address=(args.source, 0)) as tcp:
                    tcp.sendall(message)
                sent["tcp"] += 1
            else:
                udp.sendto(message, (host, port))
                sent["udp"] += 1
        except OSError:
            errors += 1
        try:  # drain answers so our socket buffer never fills
            while True:
                udp.recvfrom(70000)
        except (BlockingIOError, OSError):
            pass
    print(f"mutated SIP: {sent['udp']} over UDP, {sent['tcp']} over TCP, "
          f"{errors} send errors, {args.seconds:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
