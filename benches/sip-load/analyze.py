#!/usr/bin/env python3
"""Summarize one run.sh results folder (Python 3 stdlib only; runs tshark on the capture).

    analyze.py OUT MODE N M R

Prints one key=value per line, then a markdown table row. Figures:
  setup_ms      INVITE sent -> 200 OK, from the capture (microsecond clock), p50/p95/max;
                sipp_rtt_ms is SIPp's own response time 1 (millisecond resolution)
  first_rtp_ms  200 OK -> the engine's first RTP packet from the port its SDP answer gave
  cpu_pct_per_call   engine utime+stime over the SIPp run / the calls' summed durations
                     (so 1 call for 1 s at 100% of one core = 100)
  steady_cpu_pct_per_call  same, over only the seconds when all N calls were up
  mb_per_call   (peak VmRSS - idle VmRSS before the load) / N
  out_*         engine -> caller RTP streams (tshark -z rtp,streams): loss, max delta, jitter
  in_*          caller (SIPp) -> engine streams, to check the load generator itself
  rec_after_handover_*  the part after the endpointer handed the utterance over (its
                "speech" event, about 0.6 s of trailing silence after the end): queue + decode
  rec_*         recognition latency (the engine's latency_ms: end of the caller's speech as
                the endpointer marks it -> result) over the utterances that were decoded;
                refused = utterances the pool turned away (queue full), not in the latency
"""

import json
import re
import statistics
import subprocess
import sys
from datetime import datetime
from pathlib import Path


def pct(values, p):
    if not values:
        return None
    v = sorted(values)
    k = max(0, min(len(v) - 1, int(-(-p * len(v) // 100)) - 1))  # nearest rank
    return v[k]


def fmt(x, nd=1):
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:.{nd}f}"
    return str(x)


def ts(s):
    # RFC 3339 with nanoseconds: trim to microseconds for fromisoformat.
    m = re.match(r"(.*T\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$", s)
    frac = (m.group(2) or ".0")[:7]
    tz = "+00:00" if m.group(3) == "Z" else m.group(3)
    return datetime.fromisoformat(m.group(1) + frac + tz).timestamp()


def metrics(path):
    out = {}
    if not path.exists():
        return out
    for line in path.read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        name, _, value = line.rpartition(" ")
        try:
            out[name] = float(value)
        except ValueError:
            pass
    return out


def main():
    out = Path(sys.argv[1])
    mode, n, m, rate = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    res = {"mode": mode, "N": n, "M": m, "R": rate}
    sipp_start = float((out / "sipp_start").read_text())
    sipp_end = float((out / "sipp_end").read_text())
    res["sipp_wall_s"] = round(sipp_end - sipp_start, 1)

    # Call records (the warm-up call's lines first, skipped).
    skip = int((out / "warmup_records").read_text().strip() or 0)
    lines = (out / "records.jsonl").read_text().splitlines() if (out / "records.jsonl").exists() else []
    records = [json.loads(l) for l in lines[skip:] if l.strip()]
    res["calls_recorded"] = len(records)
    ended = {}
    for r in records:
        ended[r["ended_by"]] = ended.get(r["ended_by"], 0) + 1
    res["ended_by"] = ended
    call_s = sum(ts(r["end"]) - ts(r["answer"]) for r in records if r.get("answer"))
    res["call_seconds"] = round(call_s, 1)

    lat, refused, warnings, understood, no_speech, states_last = [], 0, {}, 0, 0, {}
    after_handover = []  # speech event (endpointer hands the utterance over) -> result
    for r in records:
        evs = r["events"]
        busy_next = False
        handed_over = None
        got_intent = any(e.get("type") == "intent" and e.get("name") == "agent" for e in evs)
        understood += got_intent
        no_speech += not any(e.get("type") == "speech" for e in evs)
        for e in evs:
            if e.get("type") == "warning":
                msg = e.get("message", "")
                key = "pool busy" if "pool busy" in msg else msg[:80]
                warnings[key] = warnings.get(key, 0) + 1
                if "pool busy" in msg:
                    refused += 1
                    busy_next = True
            elif e.get("type") == "speech":
                handed_over = e["t_ms"]
            elif e.get("type") == "recognized":
                if busy_next:
                    busy_next = False
                    continue
                if e.get("latency_ms") is not None:
                    lat.append(e["latency_ms"])
                    if handed_over is not None:
                        after_handover.append(e["t_ms"] - handed_over)
        last = r["states"][-1] if r["states"] else "-"
        states_last[last] = states_last.get(last, 0) + 1
    res["utterances_decoded"] = len(lat)
    res["rec_refused"] = refused
    res["warnings"] = warnings
    res["rec_p50_ms"] = pct(lat, 50)
    res["rec_p95_ms"] = pct(lat, 95)
    res["rec_max_ms"] = max(lat) if lat else None
    res["rec_after_handover_p50_ms"] = pct(after_handover, 50)
    res["rec_after_handover_max_ms"] = max(after_handover) if after_handover else None
    res["understood"] = f"{understood}/{len(records)}"
    res["calls_without_speech_event"] = no_speech
    res["last_state"] = states_last

    # /metrics before and after the load.
    before, after = metrics(out / "metrics-before.txt"), metrics(out / "metrics-after.txt")
    d = lambda k: after.get(k, 0) - before.get(k, 0)
    res["metric_rtp_lost"] = d("ivr_rtp_packets_lost_total")
    res["metric_rtp_late"] = d("ivr_rtp_packets_late_total")
    res["metric_prompt_underruns"] = d("ivr_prompt_underruns_total")
    res["metric_latency_count"] = d("ivr_recognition_latency_seconds_count")
    buckets = []
    for k in after:
        mb = re.match(r'ivr_recognition_latency_seconds_bucket\{le="([^"]+)"\}', k)
        if mb:
            buckets.append((float("inf") if mb.group(1) == "+Inf" else float(mb.group(1)), d(k)))
    buckets.sort()
    if buckets and buckets[-1][1] > 0:
        total = buckets[-1][1]
        res["metric_latency_p95_bucket_le_s"] = next(le for le, c in buckets if c >= 0.95 * total)
    res["metric_calls"] = {k: d(k) for k in after if k.startswith("ivr_calls_total") and d(k)}

    # CPU and memory from the 1 s samples.
    rows = []
    hz = 100
    for line in (out / "samples.tsv").read_text().splitlines():
        if line.startswith("# hz="):
            hz = int(line.split("=")[1])
            continue
        f = line.split("\t")
        if len(f) < 8:
            continue
        rows.append(
            dict(t=float(f[0]), cpu=int(f[1]), rss=int(f[2]), thr=int(f[3]),
                 active=float(f[4]) if f[4] else None, load=float(f[5]), busy=int(f[6]), total=int(f[7]))
        )
    idle = [r for r in rows if r["t"] < sipp_start]
    run = [r for r in rows if sipp_start - 1.5 <= r["t"] <= sipp_end + 0.5]
    if idle and run:
        a, b = run[0], run[-1]
        cpu_s = (b["cpu"] - a["cpu"]) / hz
        res["engine_cpu_s"] = round(cpu_s, 1)
        res["engine_cpu_pct_avg"] = round(100 * cpu_s / (b["t"] - a["t"]), 1)
        res["cpu_pct_per_call"] = round(100 * cpu_s / call_s, 2) if call_s else None
        machine = 100 * (b["busy"] - a["busy"]) / max(1, b["total"] - a["total"])  # of all cores
        res["machine_busy_pct_of_2_cores"] = round(machine, 1)
        res["other_processes_pct_of_2_cores"] = round(machine - 100 * (b["cpu"] - a["cpu"]) / max(1, b["total"] - a["total"]), 1)
        steady = []
        for x, y in zip(run, run[1:]):
            if x["active"] == n and y["active"] == n and y["t"] > x["t"]:
                steady.append((y["cpu"] - x["cpu"]) / hz / (y["t"] - x["t"]))
        res["steady_seconds"] = len(steady)
        res["steady_cpu_pct_per_call"] = round(100 * statistics.mean(steady) / n, 2) if steady else None
        res["peak_1s_engine_cpu_pct"] = round(100 * max((y["cpu"] - x["cpu"]) / hz / (y["t"] - x["t"]) for x, y in zip(run, run[1:])), 0)
        rss_idle = statistics.median(r["rss"] for r in idle) / 1024
        rss_peak = max(r["rss"] for r in run) / 1024
        res["rss_idle_mb"] = round(rss_idle, 1)
        res["rss_peak_mb"] = round(rss_peak, 1)
        res["rss_after_mb"] = round(rows[-1]["rss"] / 1024, 1)
        res["mb_per_call"] = round((rss_peak - rss_idle) / n, 2)
        res["threads_peak"] = max(r["thr"] for r in run)
        res["max_active_calls"] = max((r["active"] or 0) for r in run)
        res["load_avg_max"] = max(r["load"] for r in run)
        res["load_avg_at_start"] = idle[-1]["load"]

    # RTP streams.
    text = (out / "rtp-streams.txt").read_text() if (out / "rtp-streams.txt").exists() else ""
    outs, ins = [], []
    for line in text.splitlines():
        f = line.split()
        if len(f) < 17 or not re.match(r"^\d+\.\d+$", f[0]):
            continue
        s = dict(src=int(f[3]), dst=int(f[5]), pkts=int(f[8]), lost=int(f[9]),
                 max_delta=float(f[13]), mean_jitter=float(f[15]), max_jitter=float(f[16]))
        (outs if 30000 <= s["src"] <= 30999 else ins).append(s)
    for name, ss in (("out", outs), ("in", ins)):
        res[f"{name}_streams"] = len(ss)
        res[f"{name}_packets"] = sum(s["pkts"] for s in ss)
        res[f"{name}_lost"] = sum(s["lost"] for s in ss)
        res[f"{name}_max_delta_ms"] = max((s["max_delta"] for s in ss), default=None)
        res[f"{name}_max_jitter_ms"] = max((s["max_jitter"] for s in ss), default=None)
        res[f"{name}_mean_jitter_ms"] = round(statistics.mean(s["mean_jitter"] for s in ss), 3) if ss else None

    # Setup time from the capture: INVITE -> 200 OK (INVITE); then 200 OK -> the engine's first
    # RTP packet from the port its SDP answer gave.
    pcap = out / "rtp.pcap"
    setup, first_rtp = [], []
    if pcap.exists():
        try:
            fields = subprocess.run(
                ["tshark", "-r", str(pcap), "-Y", "sip", "-T", "fields",
                 "-e", "frame.time_epoch", "-e", "sip.Call-ID", "-e", "sip.Method", "-e", "sip.Status-Code",
                 "-e", "sip.CSeq.method", "-e", "sdp.media.port"],
                capture_output=True, text=True, timeout=120).stdout
            rtp = subprocess.run(
                ["tshark", "-r", str(pcap), "-o", "rtp.heuristic_rtp:TRUE", "-Y", "rtp && udp.srcport >= 30000 && udp.srcport <= 30999",
                 "-T", "fields", "-e", "frame.time_epoch", "-e", "udp.srcport"],
                capture_output=True, text=True, timeout=120).stdout
        except (OSError, subprocess.SubprocessError):
            fields, rtp = "", ""
        inv, ok = {}, {}
        for line in fields.splitlines():
            f = line.split("\t") + [""] * 6
            t, cid, method, status, cseq_method, port = float(f[0]), f[1], f[2], f[3], f[4], f[5]
            if method == "INVITE" and cid not in inv:
                inv[cid] = t
            elif status == "200" and cseq_method == "INVITE" and cid not in ok:
                ok[cid] = (t, port)
        setup = [1000 * (ok[c][0] - inv[c]) for c in ok if c in inv]
        by_port = {}
        for line in rtp.splitlines():
            f = line.split("\t")
            if len(f) == 2:
                by_port.setdefault(f[1], []).append(float(f[0]))
        for t, port in ok.values():
            later = [x for x in by_port.get(port, []) if x >= t - 0.005]
            if later:
                first_rtp.append(1000 * (later[0] - t))
    res["setup_ms_p50"] = round(pct(setup, 50), 2) if setup else None
    res["setup_ms_p95"] = round(pct(setup, 95), 2) if setup else None
    res["setup_ms_max"] = round(max(setup), 2) if setup else None
    res["setup_samples"] = len(setup)
    res["first_rtp_ms_p50"] = round(pct(first_rtp, 50), 1) if first_rtp else None
    res["first_rtp_ms_max"] = round(max(first_rtp), 1) if first_rtp else None

    rtt = []
    for f in out.glob("load_*_rtt.csv"):
        for line in f.read_text().splitlines()[1:]:
            p = line.split(";")
            if len(p) >= 2:
                rtt.append(float(p[1]))
    res["sipp_rtt_ms_p95"] = pct(rtt, 95)
    res["sipp_rtt_ms_max"] = max(rtt) if rtt else None
    for f in out.glob("load_*_.csv"):
        rows_ = f.read_text().splitlines()
        if len(rows_) >= 2:
            head, last = rows_[0].split(";"), rows_[-1].split(";")
            st = dict(zip(head, last))
            res["sipp_successful"] = st.get("SuccessfulCall(C)")
            res["sipp_failed"] = st.get("FailedCall(C)")
            res["sipp_retrans"] = st.get("Retransmissions(C)")
            res["sipp_unexpected"] = st.get("FailedUnexpectedMessage(C)")
    errs = list(out.glob("load_*_errors.log"))
    res["sipp_error_lines"] = sum(len(e.read_text().splitlines()) for e in errs)
    log = (out / "engine.log").read_text(errors="replace") if (out / "engine.log").exists() else ""
    res["engine_log_warn_error"] = sum(1 for l in log.splitlines() if " WARN " in l or " ERROR " in l or "panick" in l)

    for k, v in res.items():
        print(f"{k}={json.dumps(v) if isinstance(v, (dict, list)) else v}")
    print(
        "| {mode} | {N} | {M} | {R} | {calls} | {cpu} ({steady}) | {mb} | {setup} | {out_lost} / {out_pk} | {out_md} | {out_mj} | {in_lost} | {p50} / {p95} / {mx} | {refused} | {und} | {load} |".format(
            mode=mode, N=n, M=m, R=rate, calls=f"{res.get('sipp_successful')}/{m}",
            cpu=fmt(res.get("cpu_pct_per_call"), 2), steady=fmt(res.get("steady_cpu_pct_per_call"), 2),
            mb=fmt(res.get("mb_per_call"), 2), setup=f"{fmt(res.get('setup_ms_p50'), 2)} / {fmt(res.get('setup_ms_max'), 2)}",
            out_lost=res.get("out_lost"), out_pk=res.get("out_packets"), out_md=fmt(res.get("out_max_delta_ms"), 1),
            out_mj=fmt(res.get("out_max_jitter_ms"), 2), in_lost=res.get("in_lost"),
            p50=fmt(res.get("rec_p50_ms")), p95=fmt(res.get("rec_p95_ms")), mx=fmt(res.get("rec_max_ms")),
            refused=refused, und=res["understood"] if mode == "speech" else "-",
            load=fmt(res.get("load_avg_max"), 2)))


if __name__ == "__main__":
    main()
