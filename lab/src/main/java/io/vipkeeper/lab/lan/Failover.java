package io.vipkeeper.lab.lan;

import java.util.List;

/**
 * One failover round, measured from the client: the MASTER's uplink is cut, and the time from the cut to the first
 * answer that came through another node is the failover time (the answer names the node that forwarded it).
 */
public final class Failover {

    /**
     * {@code millis}: from the moment the cut command returned (the link is down by then) to the first answer
     * through another node; {@code cutCommandMillis}: how long the cut command itself ran (fork, exec, netlink),
     * i.e. how much earlier the link may at most have gone down.
     */
    public record Round(int round, int cutNode, int newNode, long millis, long cutCommandMillis) {
        public String csv() {
            return round + "," + AddressPlan.nodeNs(cutNode) + "," + (newNode == 0 ? "" : AddressPlan.nodeNs(newNode)) + "," + millis
                    + "," + cutCommandMillis;
        }
    }

    public static final String CSV_HEADER = "round,cut_node,new_node,failover_ms,cut_command_ms";

    private Failover() {
    }

    /** The one node holding {@code vip}, once exactly one has held it for {@code stableMs}; 0 after {@code timeoutMs}. */
    public static int awaitSingleHolder(AddressPlan plan, String vip, long stableMs, long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        int last = 0;
        long since = 0;
        while (System.currentTimeMillis() < deadline) {
            List<Integer> h = plan.nodeIndexes().stream().filter(i -> Lan.addresses(i).contains(vip)).toList();
            int now = h.size() == 1 ? h.get(0) : 0;
            if (now != 0 && now == last) {
                if (System.currentTimeMillis() - since >= stableMs) {
                    return now;
                }
            } else {
                last = now;
                since = System.currentTimeMillis();
            }
            Thread.sleep(50);
        }
        return 0;
    }

    /**
     * Cuts the MASTER's link, waits for traffic through another node, restores the link and waits until one node
     * holds the VIP steadily again. {@code millis} is -1 when no answer came through another node within {@code timeoutMs}.
     */
    public static Round round(int n, AddressPlan plan, String vip, ProbeStream probe, long timeoutMs) throws InterruptedException {
        return round(n, plan, vip, probe, timeoutMs, 1000);
    }

    /** {@code settleMs}: how long one node must hold the VIP after the restore (per-vip: longer than preempt_delay). */
    public static Round round(int n, AddressPlan plan, String vip, ProbeStream probe, long timeoutMs, long settleMs)
            throws InterruptedException {
        int master = awaitSingleHolder(plan, vip, 500, 20_000);
        if (master == 0) {
            throw new IllegalStateException("no single node holds " + vip + " (holders: " + holders(plan, vip) + ")");
        }
        String masterIp = plan.nodeIp(master);
        long before = ProbeStream.nowMicros();
        if (probe.await(a -> a.ok() && a.doneMicros() > before && masterIp.equals(a.from()), 10_000) == null) {
            throw new IllegalStateException("no answer through the MASTER " + AddressPlan.nodeNs(master) + " before the cut");
        }
        long beforeCut = ProbeStream.nowMicros();
        Lan.setLink(master, false);
        long cut = ProbeStream.nowMicros();
        ProbeStream.Answer first;
        try {
            first = probe.await(a -> a.ok() && a.doneMicros() > cut && !masterIp.equals(a.from()), timeoutMs);
        } finally {
            Lan.setLink(master, true);
        }
        long millis = first == null ? -1 : (first.doneMicros() - cut) / 1000;
        int newNode = first == null ? 0 : plan.nodeOf(first.from());
        // settle: one holder for a second, answers flowing again
        awaitSingleHolder(plan, vip, settleMs, 20_000 + settleMs);
        long after = ProbeStream.nowMicros();
        probe.await(a -> a.ok() && a.doneMicros() > after, 5_000);
        return new Round(n, master, newNode, millis, (cut - beforeCut) / 1000);
    }

    public static List<Integer> holders(AddressPlan plan, String vip) {
        return plan.nodeIndexes().stream().filter(i -> Lan.addresses(i).contains(vip)).toList();
    }
}
