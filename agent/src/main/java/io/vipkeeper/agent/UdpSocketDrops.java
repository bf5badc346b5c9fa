package io.vipkeeper.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Datagrams the kernel dropped for the UDP sockets bound to one port, from {@code /proc/net/udp} and {@code udp6}
 * (the node's network namespace: the agent runs in it): the last column, {@code drops}, mostly a full receive
 * buffer. For conntrackd's sync socket this is the sync lost on this node; conntrackd's own "Lost msgs" counts
 * sequence gaps, which with several multicast senders are mostly not losses (docs/benchmarks.md).
 */
final class UdpSocketDrops {

    private final Path procNet;

    /** {@code procNet}: {@code /proc/net}, or a directory with files of the same format (tests). */
    UdpSocketDrops(Path procNet) {
        this.procNet = procNet;
    }

    /** The drops of the sockets on {@code port}, both families; 0 when none is bound or the files cannot be read. */
    long of(int port) {
        long sum = 0;
        for (String file : List.of("udp", "udp6")) {
            try {
                sum += parse(Files.readString(procNet.resolve(file)), port);
            } catch (IOException e) {
                // no IPv6 on this node, or not Linux: nothing dropped that we can see
            }
        }
        return sum;
    }

    /** The sum of the {@code drops} column over the lines whose local address has {@code port} (hex after the colon). */
    static long parse(String procNetUdp, int port) {
        long sum = 0;
        for (String line : procNetUdp.lines().skip(1).toList()) {
            String[] f = line.strip().split("\\s+");
            if (f.length < 13) {
                continue;
            }
            int colon = f[1].lastIndexOf(':');
            try {
                if (colon > 0 && Integer.parseInt(f[1].substring(colon + 1), 16) == port) {
                    sum += Long.parseLong(f[f.length - 1]);
                }
            } catch (NumberFormatException e) {
                // not a socket line
            }
        }
        return sum;
    }
}
