package io.vipkeeper.lab.lan;

import java.util.Comparator;
import java.util.List;

/**
 * One failover round in BGP mode, measured from vk-client2 behind the router: every node announces the VIP and the
 * router spreads new connections over them (ECMP), so answers through other nodes never stop; what a cut costs is the
 * connections the router still sends to the dead node until it drops the node's route (BFD, or the hold time without
 * it). The round cuts the uplink of a node that carries traffic; the failover time is from the cut to the first
 * request after which no request failed (its send time), i.e. until every new connection is answered again.
 */
public final class BgpFailover {

    /**
     * {@code millis}: cut → first request sent after the last failed one (0 when none failed, -1 when requests still
     * failed at the end of the round); {@code failed}: requests that failed; {@code routeMillis}: cut → the router's
     * kernel table no longer had the node (polled, so later by up to one poll); {@code cutCommandMillis}: how long
     * the cut command ran.
     */
    public record Round(int round, int cutNode, long millis, int failed, int requests, long routeMillis, long cutCommandMillis) {
        public String csv() {
            return round + "," + AddressPlan.nodeNs(cutNode) + "," + millis + "," + failed + "," + requests + "," + routeMillis + ","
                    + cutCommandMillis;
        }
    }

    public static final String CSV_HEADER = "round,cut_node,failover_ms,failed_requests,requests,route_dropped_ms,cut_command_ms";

    /** What the answers sent in a round's window say. */
    record Outcome(long millis, int failed, int requests) {
    }

    private BgpFailover() {
    }

    /**
     * The answers to requests sent from {@code cutMicros} to {@code endMicros}: how many failed, and when (after the
     * cut) the first request was sent after which none failed.
     */
    static Outcome analyse(List<ProbeStream.Answer> answers, long cutMicros, long endMicros) {
        List<ProbeStream.Answer> window = answers.stream().filter(a -> a.sentMicros() >= cutMicros && a.sentMicros() <= endMicros)
                .sorted(Comparator.comparingLong(ProbeStream.Answer::sentMicros)).toList();
        int failed = (int) window.stream().filter(a -> !a.ok()).count();
        if (failed == 0) {
            return new Outcome(0, 0, window.size());
        }
        long lastFailed = window.stream().filter(a -> !a.ok()).mapToLong(ProbeStream.Answer::sentMicros).max().orElseThrow();
        long recovered = window.stream().filter(a -> a.ok() && a.sentMicros() > lastFailed).mapToLong(ProbeStream.Answer::sentMicros)
                .min().orElse(-1);
        return new Outcome(recovered < 0 ? -1 : (recovered - cutMicros) / 1000, failed, window.size());
    }

    /**
     * Waits until the router sends the VIP to every node, cuts the uplink of the node that answered first after that,
     * waits until the router has dropped its route and the requests sent until 0.5 s later are answered, restores the
     * link (and its route to the second client) and waits until the router sends the VIP to every node again.
     */
    public static Round round(int n, FrrRouter router, AddressPlan plan, String vip, ProbeStream probe, long timeoutMs)
            throws InterruptedException {
        awaitAllNodes(router, plan, vip, 60_000);
        long before = ProbeStream.nowMicros();
        ProbeStream.Answer carrying = probe.await(a -> a.ok() && a.sentMicros() > before && plan.nodeOf(a.from()) > 0, 10_000);
        if (carrying == null) {
            throw new IllegalStateException("no answer from " + AddressPlan.CLIENT2_NS + " through " + vip + " before the cut");
        }
        int node = plan.nodeOf(carrying.from());
        long beforeCut = ProbeStream.nowMicros();
        Lan.setLink(node, false);
        long cut = ProbeStream.nowMicros();
        long routeMillis = -1;
        try {
            long deadline = System.currentTimeMillis() + timeoutMs;
            while (System.currentTimeMillis() < deadline) {
                if (!router.nextHops(vip).contains(node)) {
                    routeMillis = (ProbeStream.nowMicros() - cut) / 1000;
                    break;
                }
                Thread.sleep(20);
            }
            long end = ProbeStream.nowMicros() + 500_000;
            // every request sent until `end` has its answer (ok, or failed after its timeout) once one sent later is answered
            probe.await(a -> a.sentMicros() > end + 400_000, 10_000);
            Outcome o = analyse(probe.answers(), cut, end);
            return new Round(n, node, routeMillis < 0 ? -1 : o.millis(), o.failed(), o.requests(), routeMillis, (cut - beforeCut) / 1000);
        } finally {
            Lan.setLink(node, true);
            awaitAllNodes(router, plan, vip, 60_000);
        }
    }

    /** Waits (bounded) until the router has a route for {@code vip} through every node of the plan. */
    public static void awaitAllNodes(FrrRouter router, AddressPlan plan, String vip, long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (!router.nextHops(vip).equals(plan.nodeIndexes())) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("the router does not send " + vip + " to every node within " + timeoutMs / 1000 + " s (next hops: "
                        + router.nextHops(vip) + ")");
            }
            Thread.sleep(100);
        }
    }
}
