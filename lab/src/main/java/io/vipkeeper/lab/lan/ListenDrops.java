package io.vipkeeper.lab.lan;

import io.vipkeeper.platform.process.Exec;
import java.time.Duration;
import java.util.List;

/**
 * SYNs a pod's kernel dropped because its backend's listen queue was full ({@code TcpExtListenDrops} of the pod's
 * namespace). A new request whose connect timed out there failed at the backend, not at the load balancer: the lab's
 * figures say which (docs/benchmarks.md, tenth session).
 */
public final class ListenDrops {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private ListenDrops() {
    }

    /** Every pod namespace's drops, summed (a namespace that cannot be read counts 0). */
    public static long total() {
        return Exec.run(List.of("ip", "netns", "list"), TIMEOUT).stdout().lines().map(l -> l.split(" ")[0])
                .filter(ns -> ns.startsWith(AddressPlan.POD_PREFIX)).mapToLong(ns -> Math.max(0, of(ns))).sum();
    }

    /** Namespace {@code ns}'s drops, or -1 when they cannot be read. */
    public static long of(String ns) {
        Exec.Result r = Exec.run(List.of("ip", "netns", "exec", ns, "cat", "/proc/net/netstat"), TIMEOUT);
        return r.ok() ? parse(r.stdout()) : -1;
    }

    /** ListenDrops in the text of /proc/net/netstat (a {@code TcpExt:} line of names, then one of values), or -1. */
    static long parse(String netstat) {
        List<String> tcpExt = netstat.lines().filter(l -> l.startsWith("TcpExt:")).toList();
        if (tcpExt.size() < 2) {
            return -1;
        }
        List<String> names = List.of(tcpExt.get(0).trim().split("\\s+"));
        String[] values = tcpExt.get(1).trim().split("\\s+");
        int i = names.indexOf("ListenDrops");
        if (i < 0 || i >= values.length) {
            return -1;
        }
        try {
            return Long.parseLong(values[i]);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
