#!/usr/bin/env python3
"""Writes the committed seed corpus, corpus/<target>/seed-*: small real inputs that start each
fuzz target off inside the formats (SIP requests like the SIPp scenarios', SDP offers, RTP and
RFC 4733 packets, a tiny WAV, the shipped and test flows, engine configurations, admin
requests). Run from anywhere: python3 crates/ivr-fuzz/seeds.py"""

import pathlib
import shutil
import struct

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CORPUS = HERE / "corpus"


def write(target, name, data):
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    (folder / f"seed-{name}").write_bytes(data)


def crlf(text):
    return "\r\n".join(text.strip("\n").split("\n")) + "\r\n"


def sip(head, body=""):
    body = crlf(body) if body else ""
    return crlf(head + f"\nContent-Length: {len(body.encode())}\n") + "\r\n" + body


OFFER = """v=0
o=- 1 1 IN IP4 192.0.2.20
s=-
c=IN IP4 192.0.2.20
t=0 0
m=audio 10002 RTP/AVP 0 8 101
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=ptime:20
a=sendrecv"""

DIALOG = """Via: SIP/2.0/UDP 192.0.2.20:5061;branch=z9hG4bK-1-{n}
From: <sip:+12025550143@192.0.2.20:5061>;tag=1SIPpTag001
To: <sip:8003755283@192.0.2.10:5060>;tag=ivr-1
Call-ID: 1-4242@192.0.2.20
Max-Forwards: 70"""


def sip_seeds():
    write("sip_message", "invite", sip(
        """INVITE sip:8003755283@192.0.2.10:5060 SIP/2.0
Via: SIP/2.0/UDP 192.0.2.20:5061;branch=z9hG4bK-1-0
From: <sip:+12025550143@192.0.2.20:5061>;tag=1SIPpTag001
To: <sip:8003755283@192.0.2.10:5060>
Call-ID: 1-4242@192.0.2.20
CSeq: 1 INVITE
Contact: <sip:+12025550143@192.0.2.20:5061>
Max-Forwards: 70
Content-Type: application/sdp""", OFFER))
    write("sip_message", "invite-trunk", sip(
        """INVITE sip:8003755283@127.0.0.1:5060 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:5061;received=127.0.0.1;branch=z9hG4bK-2
From: "Anonymous" <sip:anonymous@anonymous.invalid>;tag=77
To: <sip:8003755283@127.0.0.1>
Call-ID: trunk-1@127.0.0.1
CSeq: 1 INVITE
P-Asserted-Identity: "Maria" <sip:+12025550143@carrier.example>, <tel:+12025550143>
Privacy: none
Contact: <sip:gw@127.0.0.1:5061>
Content-Type: application/sdp""", OFFER))
    write("sip_message", "info-relay", sip(
        "INFO sip:8003755283@192.0.2.10:5060 SIP/2.0\n" + DIALOG.format(n=2)
        + "\nCSeq: 2 INFO\nContent-Type: application/dtmf-relay",
        "Signal=5\nDuration=160"))
    write("sip_message", "info-dtmf", sip(
        "INFO sip:8003755283@192.0.2.10:5060 SIP/2.0\n" + DIALOG.format(n=3)
        + "\nCSeq: 3 INFO\nContent-Type: application/dtmf", "#"))
    write("sip_message", "notify", sip(
        "NOTIFY sip:ivr@192.0.2.10:5060 SIP/2.0\n" + DIALOG.format(n=4)
        + "\nCSeq: 4 NOTIFY\nEvent: refer;id=2\n"
        + "Subscription-State: terminated;reason=noresource\nContent-Type: message/sipfrag",
        "SIP/2.0 200 OK"))
    write("sip_message", "register", sip(
        """REGISTER sip:192.0.2.10:5060 SIP/2.0
Via: SIP/2.0/UDP 192.0.2.30:5062;branch=z9hG4bK-reg-1
From: <sip:maria@192.0.2.10>;tag=reg1
To: <sip:maria@192.0.2.10>
Call-ID: reg-1@192.0.2.30
CSeq: 1 REGISTER
Contact: <sip:maria@192.0.2.30:5062>;expires=600
Expires: 600
Max-Forwards: 70"""))
    write("sip_message", "register-auth", sip(
        """REGISTER sip:192.0.2.10:5060 SIP/2.0
Via: SIP/2.0/UDP 192.0.2.30:5062;branch=z9hG4bK-reg-2
From: <sip:maria@192.0.2.10>;tag=reg1
To: <sip:maria@192.0.2.10>
Call-ID: reg-1@192.0.2.30
CSeq: 2 REGISTER
Contact: <sip:maria@192.0.2.30:5062>;expires=3600
Authorization: Digest username="maria", realm="ivr", nonce="6900a1b2-0-0123456789abcdef01234567", uri="sip:192.0.2.10:5060", response="0123456789abcdef0123456789abcdef", algorithm=MD5, qop=auth, nc=00000001, cnonce="0a4f113b"
Max-Forwards: 70"""))
    write("sip_message", "bye", sip(
        "BYE sip:8003755283@192.0.2.10:5060 SIP/2.0\n" + DIALOG.format(n=5) + "\nCSeq: 5 BYE"))
    write("sip_message", "response", sip(
        """SIP/2.0 180 Ringing
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-9
From: <sip:ivr@192.0.2.10>;tag=a
To: <sip:7001@192.0.2.40>;tag=b
Call-ID: out-1@192.0.2.10
CSeq: 1 INVITE"""))


def sdp_seeds():
    write("sdp", "softphone", crlf(OFFER))
    write("sdp", "pcma-only", crlf("""v=0
o=gw 99 3 IN IP4 198.51.100.7
s=call
c=IN IP4 198.51.100.7
t=0 0
m=audio 4000 RTP/AVP 8 96
a=rtpmap:8 PCMA/8000
a=rtpmap:96 telephone-event/8000
a=ptime:30"""))
    write("sdp", "hold", crlf("""v=0
o=- 1 2 IN IP4 192.0.2.20
s=-
c=IN IP4 0.0.0.0
t=0 0
m=audio 10002 RTP/AVP 0
a=sendonly"""))
    write("sdp", "video-and-audio-ipv6", crlf("""v=0
o=- 5 5 IN IP6 2001:db8::5
s=-
c=IN IP6 2001:db8::5
t=0 0
a=inactive
m=video 5004 RTP/AVP 96
a=rtpmap:96 H264/90000
m=audio 5006/2 RTP/AVP 9 0
c=IN IP6 2001:db8::6
a=rtpmap:9 G722/8000
a=recvonly"""))
    write("sdp", "srtp-refused", "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\n"
          "m=audio 7000 RTP/SAVP 0\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:abc\n")


def rtp(pt, seq, ts, ssrc, payload, marker=False):
    return struct.pack("!BBHII", 0x80, (0x80 if marker else 0) | pt, seq, ts, ssrc) + payload


def event(key, end, duration, volume=10):
    return struct.pack("!BBH", key, (0x80 if end else 0) | volume, duration)


def record(datagram, step_ms=20, pops=1):
    return bytes([len(datagram), step_ms, pops]) + datagram


def rtp_seeds():
    ssrc = 0x1234ABCD
    voice = [rtp(0, 100 + i, 160 * i, ssrc, bytes([0xFF] * 160)) for i in range(4)]
    write("rtp", "pcmu-packet", voice[0])
    write("rtp", "rtcp-receiver-report", struct.pack("!BBHI", 0x81, 201, 7, ssrc) + bytes(24))
    # A key 5 held 100 ms (RFC 4733): start, updates, three end packets, same timestamp.
    ts = 8000
    key5 = [rtp(101, 200, ts, ssrc, event(5, False, 0), marker=True)]
    key5 += [rtp(101, 201 + i, ts, ssrc, event(5, False, 400 * (i + 1))) for i in range(2)]
    key5 += [rtp(101, 203 + i, ts, ssrc, event(5, True, 800)) for i in range(3)]
    write("rtp", "dtmf-5", bytes([0]) + b"".join(record(p) for p in key5))
    write("rtp", "voice-stream", bytes([0]) + b"".join(record(p, pops=2) for p in voice))
    reordered = [voice[1], voice[0], voice[3], voice[2], voice[2]]
    write("rtp", "voice-reordered", bytes([0x51]) + b"".join(record(p, 5, 3) for p in reordered))
    hash_key = [rtp(101, 300, 16000, ssrc, event(11, False, 160), marker=True),
                rtp(101, 301, 16000, ssrc, event(11, True, 320))]
    write("rtp", "voice-then-hash", bytes([0]) + b"".join(record(p) for p in voice[:2] + hash_key))


def wav_seeds():
    samples = [int(8000 * ((i % 16) - 8) / 8) for i in range(160)]
    pcm = struct.pack(f"<{len(samples)}h", *samples)

    def riff(fmt, data):
        chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
        return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks

    write("wav", "pcm16-8k", riff(struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16), pcm))
    stereo = struct.pack(f"<{2 * len(samples)}h", *[s for s in samples for _ in (0, 1)])
    write("wav", "pcm16-16k-stereo", riff(struct.pack("<HHIIHH", 1, 2, 16000, 64000, 4, 16), stereo))
    write("wav", "ulaw-8k", riff(struct.pack("<HHIIHHH", 7, 1, 8000, 8000, 1, 8, 0), bytes(range(160))))
    write("wav", "alaw-8k", riff(struct.pack("<HHIIHHH", 6, 1, 8000, 8000, 1, 8, 0), bytes(range(160))))
    write("wav", "pcm8-22k", riff(struct.pack("<HHIIHH", 1, 1, 22050, 22050, 1, 8), bytes(range(0, 256, 2))))


def flow_seeds():
    for path in sorted((ROOT / "crates/ivr/tests/flows").glob("*.yaml")) + [
        ROOT / "call-flows/contact-center.yaml"
    ]:
        folder = CORPUS / "flow_yaml"
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, folder / f"seed-{path.stem}.yaml")


def config_seeds():
    write("engine_config", "empty", "{}\n")
    write("engine_config", "serving", """sip:
  listen: 127.0.0.1:5060
  media_ip: null
  max_calls: 20
  answer_after_ms: 0
  allow_digest_without_qop: false
  trunks: ["127.0.0.0/8", "::1"]
  per_source: { max_calls: 4, calls_per_s: 1, burst: 4 }
rtp:
  ports: 20000-29999
  timeout_s: 30
  first_packet_timeout_s: 5
  speak_first_to_trunks: true
admin:
  listen: 127.0.0.1:9090
  token: null
flow: call-flows/contact-center.yaml
numbers:
  "8005550100": call-flows/benefits-line.yaml
agents:
  maria: { ha1: "5f4dcc3b5aa765d61d8327deb882cf99", languages: [es-US, en-US] }
  desk7: { uri: "sip:7001@pbx.example.gov", languages: [en] }
realm: ivr
ring_timeout_s: 15
wrap_up_s: 10
queue_max_wait_s: 120
announce_every_s: 30
queues:
  agents-en: { refer_to: "sip:agents-en@127.0.0.1:5080" }
data_dir: data
database: data/ivr.db
prompts: prompts
drain_s: 60
log_personal_data: false
""")
    write("engine_config", "messaging", """sms:
  url: "https://sms.example/send"
  from: "+18003755283"
  authorization_env: IVR_SMS_AUTH
  timeout_s: 10
email:
  host: smtp.example.gov
  port: 587
  security: starttls
  from: "USCIS Contact Center <noreply@example.gov>"
  username: ivr
  password_env: IVR_SMTP_PASSWORD
  timeout_s: 10
message_limits:
  per_recipient_per_day: 5
  per_source_per_hour: 10
  per_minute: 60
  sms_country_codes: ["1"]
  unverified_caller_id: false
tts: { en-US: pico, es-US: auto }
""")
    write("engine_config", "speech", """speech:
  languages:
    en-US: { backend: vosk, path: /opt/models/vosk-model-small-en-us-0.15 }
    es-US: { backend: whisper, path: .models/whisper-base, beam_size: 5, hint_tokens: 40 }
  detect: { backend: whisper, path: .models/whisper-base, beam_size: 5 }
  workers: 2
  queue: 8
  timeout_ms: 4000
""")


def admin_seeds():
    port = struct.pack("!H", 9090)
    write("admin_request", "calls-token", port + b"/calls\n127.0.0.1:9090\n-\nBearer s3cret\ns3cret")
    write("admin_request", "healthz", port + b"/healthz\nlocalhost:9090\n-\n-\ns3cret")
    write("admin_request", "callback-post", port
          + b"/callbacks/1/done\n[::1]:9090\nhttp://[::1]:9090\nBearer t\nt")
    write("admin_request", "rebinding", port + b"/calls\nevil.example:9090\nhttp://evil.example\n-\n-")


if __name__ == "__main__":
    sip_seeds()
    sdp_seeds()
    rtp_seeds()
    wav_seeds()
    flow_seeds()
    config_seeds()
    admin_seeds()
