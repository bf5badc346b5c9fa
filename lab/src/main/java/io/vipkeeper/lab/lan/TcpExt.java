package io.vipkeeper.lab.lan;

import io.vipkeeper.platform.process.Exec;
import java.time.Duration;
import java.util.List;

/**
 * A network namespace's TCP counters ({@code TcpExt:} of its /proc/net/netstat), which tell where a failed or slow
 * request was held up: at the backend ({@link #LISTEN_DROPS}) or on the way to it ({@link #SYN_RETRANS}).
 */
public final class TcpExt {

    /**
     * SYNs a pod's kernel dropped because its backend's listen queue was full: a new request whose connect timed out
     * there failed at the backend, not at the load balancer (docs/benchmarks.md, tenth session).
     */
    public static final String LISTEN_DROPS = "ListenDrops";
    /** SYNs a client sent again because the first got no answer within its retransmission time (1 s at first). */
    public static final String SYN_RETRANS = "TCPSynRetrans";

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private TcpExt() {
    }

    /** Every pod namespace's {@link #LISTEN_DROPS}, summed (a namespace that cannot be read counts 0). */
    public static long podListenDrops() {
        return Exec.run(List.of("ip", "netns", "list"), TIMEOUT).stdout().lines().map(l -> l.split(" ")[0])
                .filter(ns -> ns.startsWith(AddressPlan.POD_PREFIX)).mapToLong(ns -> Math.max(0, of(ns, LISTEN_DROPS))).sum();
    }

    /** Namespace {@code ns}'s {@code counter}, or -1 when it cannot be read. */
    public static long of(String ns, String counter) {
        Exec.Result r = Exec.run(List.of("ip", "netns", "exec", ns, "cat", "/proc/net/netstat"), TIMEOUT);
        return r.ok() ? parse(r.stdout(), counter) : -1;
    }

    /** {@code counter} in the text of /proc/net/netstat (a {@code TcpExt:} line of names, then one of values), or -1. */
    static long parse(String netstat, String counter) {
        List<String> tcpExt = netstat.lines().filter(l -> l.startsWith("TcpExt:")).toList();
        if (tcpExt.size() < 2) {
            return -1;
        }
        List<String> names = List.of(tcpExt.get(0).trim().split("\\s+"));
        String[] values = tcpExt.get(1).trim().split("\\s+");
        int i = names.indexOf(counter);
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
