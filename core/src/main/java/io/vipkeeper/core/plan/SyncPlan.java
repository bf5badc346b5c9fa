package io.vipkeeper.core.plan;

import io.vipkeeper.core.agent.AgentSettings;
import io.vipkeeper.core.agent.Dataplane;
import io.vipkeeper.core.agent.InterfaceName;
import io.vipkeeper.core.agent.NodeIdentity;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.net.IpFamily;
import java.util.List;
import java.util.Objects;

/**
 * Conntrack state sync with the other nodes (conntrackd), as planned for this node: who it talks to and how. With
 * it, the data plane SNATs forwarded connections to the VIP (the backend answers to the VIP, which moves) and drops
 * mid-flow packets it has no entry for yet (TCP retransmits them) instead of answering them with a reset; see
 * docs/design/conntrack-sync.
 *
 * <p>Transport, as measured in the prototype: one peer → FTFW (acknowledged, resent) over UDP unicast; two or more
 * peers → NOTRACK over IPv4 multicast, because FTFW is a two-party protocol: with several senders the third node
 * injected almost nothing (0–2 of 30 flows).
 *
 * @param iface  the interface conntrackd sends and receives on
 * @param self   this node's address (the UDP source, or the multicast interface address)
 * @param peers  the other nodes' addresses, sorted
 * @param port   UDP port (unicast), or multicast group port
 * @param runDir where the lock file and the control socket live
 */
public record SyncPlan(InterfaceName iface, IpAddress self, List<IpAddress> peers, int port, String runDir) {

    /** conntrackd's customary port (its example configurations). */
    public static final int DEFAULT_PORT = 3780;
    /** The multicast group of 3+ node clusters (conntrackd's example), link-local scope in practice: TTL 1. */
    public static final IpAddress MULTICAST_GROUP = IpAddress.parse("225.0.0.50");

    public enum Transport { UDP_FTFW, MULTICAST_NOTRACK }

    public SyncPlan {
        Objects.requireNonNull(iface, "iface");
        Objects.requireNonNull(self, "self");
        peers = peers.stream().sorted().distinct().toList();
        if (peers.isEmpty()) {
            throw new IllegalArgumentException("a sync plan needs a peer");
        }
        if (peers.stream().anyMatch(p -> p.family() != self.family() || p.equals(self))) {
            throw new IllegalArgumentException("peers must be other addresses of " + self.family());
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port);
        }
        Objects.requireNonNull(runDir, "runDir");
    }

    public Transport transport() {
        return peers.size() == 1 ? Transport.UDP_FTFW : Transport.MULTICAST_NOTRACK;
    }

    public String lockFile() {
        return runDir + "/conntrackd.lock";
    }

    public String controlSocket() {
        return runDir + "/conntrackd.ctl";
    }

    public String configFile() {
        return runDir + "/conntrackd.conf";
    }

    /**
     * The sync this node runs, or null for none: the flag is on, the data plane is nftables (the other data planes
     * cannot keep connections this way: IPVS has keepalived's lvs_sync_daemon, haproxy terminates them), and another
     * node has an address of this node's family. 3+ nodes with an IPv6 node address: none (conntrackd's IPv6
     * multicast is untested here).
     */
    public static SyncPlan decide(AgentSettings s, NodeIdentity node) {
        if (!s.conntrackSync() || s.dataplane() != Dataplane.NFTABLES || node.peers().isEmpty()) {
            return null;
        }
        if (node.peers().size() > 1 && node.address().family() != IpFamily.IPv4) {
            return null;
        }
        return new SyncPlan(s.conntrackSyncInterface(), node.address(), node.peers(), DEFAULT_PORT, s.runDir());
    }
}
