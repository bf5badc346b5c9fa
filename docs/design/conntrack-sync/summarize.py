#!/usr/bin/env python3
"""RESULT lines (run.sh output) -> a markdown table."""
import json, re, sys
print("| run | scenario | sync | nat, lb, loose, guard | extcache | VIP1 alive/conns | reset | stalled | stall max / p50 (s) | VIP2 alive | notify on new master |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for line in open(sys.argv[1]):
    if not line.startswith("RESULT"): continue
    kv = dict(re.findall(r"(\w+)=([^\s{\[]+)", line.split("{")[0]))
    label = re.search(r"RESULT \[([^\]]*)\]", line)
    objs = re.findall(r"\{[^{}]*\}", line)
    a = json.loads(objs[0]); b = json.loads(objs[1]) if len(objs) > 1 else None
    note = re.search(r"notify\[([^\]]*)\]", line).group(1)
    stall = "%s / %s" % (a["stall_max_s"], a["stall_p50_s"]) if a["alive"] else "-"
    print("| %s | %s | %s %s %s nodes | %s | %s | %d/%d | %d | %d | %s | %s | %s |" % (
        label.group(1) if label else "", kv["scenario"], kv["sync"], kv.get("mode", "ftfw"), kv["nodes"],
        "%s %s loose=%s guard=%s" % (kv["nat"], kv["lb"], kv["loose"], kv.get("guard", "1")), kv.get("extcache", "on"),
        a["alive"], a["conns"], a["reset"], a["stalled_at_end"], stall,
        ("%d/%d" % (b["alive"], b["conns"])) if b else "", note))
