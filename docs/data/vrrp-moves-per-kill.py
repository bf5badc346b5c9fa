import re, sys, glob
# From the lab agents' logs (/run/vipkeeper-lab/logs, copied before `lab down`): docs/benchmarks.md, "Per-vip priorities one step apart".
# usage: python3 docs/data/vrrp-moves-per-kill.py LOGDIR INSTANCE : per kill of the holder's keepalived, the backups' MASTER entries until the
# killed node is MASTER again (or the next kill), and whether two backups were MASTER at once
logdir, inst = sys.argv[1], sys.argv[2]
def ts(m): return int(m[1])*3600 + int(m[2])*60 + int(m[3]) + int(m[4])/1000
ev = []
for f in sorted(glob.glob(logdir + '/vk-node*.log')):
    node = f.split('/')[-1][:-4]
    for line in open(f, errors='replace'):
        m = re.match(r'(\d\d):(\d\d):(\d\d)\.(\d{3}) .*\(' + re.escape(inst) + r'\) Entering (MASTER|BACKUP|FAULT) STATE', line)
        if m: ev.append((ts(m), node, m[5]))
        m = re.match(r'(\d\d):(\d\d):(\d\d)\.(\d{3}) .*keepalived exited with code 137', line)
        if m: ev.append((ts(m), node, 'KILLED'))
ev.sort(key=lambda e: e[0])
holder = None; out = []
i = 0
while i < len(ev):
    t, n, s = ev[i]
    if s == 'MASTER': holder = n
    if s == 'KILLED' and n == holder:
        seq = []; st = {}; start = None; dbl = []
        j = i + 1
        while j < len(ev) and not (ev[j][1] == n and ev[j][2] in ('MASTER', 'KILLED')):
            tj, nj, sj = ev[j]
            st[nj] = sj
            if sj == 'MASTER': seq.append(nj[-1])
            c = sum(1 for v in st.values() if v == 'MASTER')
            if c >= 2 and start is None: start = tj
            if c < 2 and start is not None: dbl.append(round((tj - start) * 1000)); start = None
            j += 1
        out.append(('>'.join(seq) or '-') + (f' (two MASTERs {dbl} ms)' if dbl else ''))
        holder = None
    i += 1
print(f"{inst}: {len(out)} kills of the holder: " + '; '.join(out))
