#!/usr/bin/env python3
"""Speaks BIRD's control-socket protocol directly (what a Java agent would do over a UNIX socket): each reply line is
'DDDD-text' (continued) or 'DDDD text' (last line of the reply), or ' text' (continuation of the previous code).
Codes: 0xxx = action done (0001 hello, 0002 reading config, 0003 reconfigured, 0004 reconfig in progress, 0018 ...),
1xxx = table data, 8xxx = run-time error, 9xxx = parse error. Usage: birdsock.py SOCKET 'cmd' ['cmd' ...]"""
import socket, sys

def replies(f):
    out = []
    while True:
        line = f.readline()
        if not line:
            return out
        line = line.rstrip("\n")
        out.append(line)
        if len(line) >= 5 and line[:4].isdigit() and line[4] == " ":
            return out

s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
f = s.makefile("r")
print("\n".join(replies(f)))                # 0001 BIRD 2.0.12 ready.
for cmd in sys.argv[2:]:
    s.sendall((cmd + "\n").encode())
    print("\n".join(replies(f)))
