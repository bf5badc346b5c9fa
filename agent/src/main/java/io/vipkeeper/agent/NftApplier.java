package io.vipkeeper.agent;

import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.plan.AgentPlan;
import io.vipkeeper.core.render.NftablesRuleset;
import io.vipkeeper.platform.process.Exec;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The nftables data plane: the ruleset is applied with {@code nft -f -}, one transaction that replaces vipkeeper's
 * table, so a refused ruleset leaves the previous one in force. Remembers the digest of what it applied, not the text.
 */
final class NftApplier implements Applier {

    private static final Logger LOG = LoggerFactory.getLogger(NftApplier.class);

    private final HostCommands host;
    private Digest applied;
    /** {@code ip -batch} lines that forget the neighbour entries of the handoff chain in force ("": none), made on apply. */
    private volatile String neighbourFlush = "";

    NftApplier(HostCommands host) {
        this.host = host;
    }

    @Override
    public Kind kind() {
        return Kind.NFTABLES;
    }

    @Override
    public ApplyResult apply(AgentPlan plan) {
        String script = NftablesRuleset.render(plan);
        Digest digest = Digest.of(script);
        if (digest.equals(applied)) {
            return ApplyResult.UNCHANGED;
        }
        Exec.Result r = host.run(script, Duration.ofSeconds(15), "nft", "-f", "-");
        if (!r.ok()) {
            return ApplyResult.rejected(r.message());
        }
        applied = digest;
        StringBuilder flush = new StringBuilder();
        for (IpAddress vip : NftablesRuleset.handoffVips(plan)) {
            flush.append("neigh flush to ").append(vip).append(" dev ").append(plan.settings().iface()).append('\n');
        }
        neighbourFlush = flush.toString();
        return ApplyResult.APPLIED;
    }

    /**
     * Becoming MASTER, this node forgets its neighbour entries for the handoff chain's VIPs. A node that does not hold
     * a VIP routes packets for it to the holder, by ARP, and keeps that entry when it takes the VIP over; when it later
     * gave the VIP away, in the tens of ms before the next MASTER took it, it and the next MASTER (whose entry still
     * named it) routed those packets to each other until their TTL ran out, and the clients' connects failed (at once
     * with EHOSTUNREACH, or after their timeout when the ICMP error was rate-limited: 119 new requests in the lab's 15
     * label handovers, docs/benchmarks.md). With no entry it asks by ARP, which only the next MASTER answers: the
     * packets wait for its gratuitous ARP.
     */
    @Override
    public void vrrpChanged(String instance, VrrpStates.State state) {
        String batch = neighbourFlush;
        if (state != VrrpStates.State.MASTER || batch.isEmpty()) {
            return;
        }
        Exec.Result r = host.run(batch, Duration.ofSeconds(5), "ip", "-force", "-batch", "-");
        if (!r.ok()) {
            LOG.warn("forgetting the neighbour entries of the VIPs failed: {}", r.message());
        }
    }

    /** Deletes vipkeeper's table, if this agent made one. */
    @Override
    public void close() {
        if (applied != null) {
            String[] table = NftablesRuleset.TABLE.split(" ");
            host.run(Duration.ofSeconds(10), "nft", "delete", "table", table[0], table[1]);
        }
    }
}
