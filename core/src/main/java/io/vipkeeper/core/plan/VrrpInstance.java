package io.vipkeeper.core.plan;

import io.vipkeeper.core.agent.InterfaceName;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.net.IpFamily;
import java.util.List;

/**
 * One keepalived vrrp_instance as planned for this node.
 *
 * @param name          {@code vips}/{@code vips6} (single mode; {@code vips_<pool>}/{@code vips6_<pool>} for a pool
 *                      with its own placement) or {@code vip_<address key>} (per-vip)
 * @param unicastSrc    this node's address when unicast is used, else null
 * @param peers         the unicast peers (empty with multicast)
 * @param trackFile     the name of the track_file gating this instance (externalTrafficPolicy Local), else null
 * @param trackFilePath where the agent writes that file, else null
 * @param iface         the interface of its pool's placement, else null: the agent's {@code --iface}
 */
public record VrrpInstance(String name, IpFamily family, int vrid, int priority, List<IpAddress> vips,
                           IpAddress unicastSrc, List<IpAddress> peers, String trackFile, String trackFilePath,
                           InterfaceName iface) {

    public VrrpInstance {
        vips = vips.stream().sorted().toList();
        peers = peers.stream().sorted().toList();
    }

    /** On the agent's {@code --iface}. */
    public VrrpInstance(String name, IpFamily family, int vrid, int priority, List<IpAddress> vips,
                        IpAddress unicastSrc, List<IpAddress> peers, String trackFile, String trackFilePath) {
        this(name, family, vrid, priority, vips, unicastSrc, peers, trackFile, trackFilePath, null);
    }

    /** The interface this instance runs on: its own, else {@code defaultIface} (the agent's {@code --iface}). */
    public InterfaceName ifaceOr(InterfaceName defaultIface) {
        return iface != null ? iface : defaultIface;
    }
}
