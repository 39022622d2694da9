#!/usr/bin/env python3
"""Turn a caller fixture (8 kHz mono 16-bit WAV) into a pcap of RTP PCMU packets that SIPp's
`play_pcap_audio` replays: 20 ms per packet (160 bytes of mu-law), one SSRC, sequence numbers
and timestamps increasing by 1 and 160, packets 20 ms apart in the pcap's own timestamps (SIPp
paces by them), Ethernet/IPv4/UDP headers with valid lengths and IPv4 checksum. SIPp rewrites
the addresses and ports when it sends, so the ones written here do not matter.

Python 3 standard library only.

    make_pcap.py fixtures/en-agent-representative.wav out.pcap --pad-to 32
    make_pcap.py --silence 32 silence.pcap

--pad-to S pads the end with mu-law silence up to S seconds (a caller that keeps its line
open after speaking); --lead S puts S seconds of silence before the audio.
"""

import argparse
import struct
import sys
import wave

RATE = 8000
FRAME = 160  # samples per 20 ms packet
PT_PCMU = 0
SSRC = 0x5EED1234
SILENCE = 0xFF  # mu-law code for 0

BIAS = 0x84
CLIP = 32635


def linear_to_ulaw(sample):
    """ITU-T G.711 mu-law encoding of one 16-bit sample (the classic Sun/CCITT algorithm)."""
    sign = 0x80 if sample < 0 else 0
    if sample < 0:
        sample = -sample
    if sample > CLIP:
        sample = CLIP
    sample += BIAS
    exponent = 7
    mask = 0x4000
    while exponent > 0 and not (sample & mask):
        exponent -= 1
        mask >>= 1
    mantissa = (sample >> (exponent + 3)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


ULAW = bytes(linear_to_ulaw(s) for s in range(-32768, 32768))


def encode(pcm16le):
    """Little-endian 16-bit PCM bytes -> mu-law bytes."""
    n = len(pcm16le) // 2
    samples = struct.unpack("<%dh" % n, pcm16le[: 2 * n])
    return bytes(ULAW[s + 32768] for s in samples)


def read_wav(path):
    with wave.open(path, "rb") as w:
        if w.getnchannels() != 1 or w.getsampwidth() != 2 or w.getframerate() != RATE:
            sys.exit(
                "%s: need 8 kHz mono 16-bit, got %d Hz, %d channel(s), %d bytes/sample"
                % (path, w.getframerate(), w.getnchannels(), w.getsampwidth())
            )
        return w.readframes(w.getnframes())


def ip_checksum(header):
    total = sum(struct.unpack("!10H", header))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def packet(seq, timestamp, payload, marker, ip_id):
    rtp = struct.pack(
        "!BBHII",
        0x80,  # version 2, no padding, no extension, no CSRC
        (0x80 if marker else 0) | PT_PCMU,
        seq & 0xFFFF,
        timestamp & 0xFFFFFFFF,
        SSRC,
    ) + payload
    udp_len = 8 + len(rtp)
    udp = struct.pack("!HHHH", 4000, 5000, udp_len, 0) + rtp  # checksum 0: none (IPv4)
    ip_len = 20 + udp_len
    src = bytes([127, 0, 0, 1])
    dst = bytes([127, 0, 0, 1])
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0xB8, ip_len, ip_id & 0xFFFF, 0x4000, 64, 17, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", ip_checksum(ip)) + ip[12:]
    eth = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"
    return eth + ip + udp


def write_pcap(path, ulaw, start_seq=1000, start_ts=0):
    frames = [ulaw[i : i + FRAME] for i in range(0, len(ulaw), FRAME)]
    if frames and len(frames[-1]) < FRAME:
        frames[-1] = frames[-1] + bytes([SILENCE]) * (FRAME - len(frames[-1]))
    with open(path, "wb") as out:
        # Global header: little-endian magic, v2.4, UTC, accuracy 0, snaplen, DLT_EN10MB.
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        base_us = 1_000_000_000 * 1_000_000  # an arbitrary start time; only deltas matter
        for i, payload in enumerate(frames):
            data = packet(start_seq + i, start_ts + i * FRAME, payload, i == 0, i)
            t = base_us + i * 20_000
            out.write(struct.pack("<IIII", t // 1_000_000, t % 1_000_000, len(data), len(data)))
            out.write(data)
    return len(frames)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("wav", nargs="?", help="8 kHz mono 16-bit WAV (omit with --silence)")
    ap.add_argument("pcap", help="output pcap")
    ap.add_argument("--silence", type=float, metavar="S", help="no WAV: S seconds of silence")
    ap.add_argument("--lead", type=float, default=0.0, metavar="S", help="silence before the audio")
    ap.add_argument("--pad-to", type=float, default=0.0, metavar="S", help="pad with silence up to S seconds")
    args = ap.parse_args()
    if args.silence is None and not args.wav:
        ap.error("give a WAV or --silence S")
    ulaw = bytes([SILENCE]) * int(args.lead * RATE)
    if args.silence is not None:
        ulaw += bytes([SILENCE]) * int(args.silence * RATE)
    else:
        ulaw += encode(read_wav(args.wav))
    if len(ulaw) < int(args.pad_to * RATE):
        ulaw += bytes([SILENCE]) * (int(args.pad_to * RATE) - len(ulaw))
    n = write_pcap(args.pcap, ulaw)
    print("%s: %d RTP packets, %.2f s" % (args.pcap, n, n * FRAME / RATE))


if __name__ == "__main__":
    main()
