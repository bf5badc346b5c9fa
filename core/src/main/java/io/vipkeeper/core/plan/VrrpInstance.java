package io.vipkeeper.core.plan;

import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.net.IpFamily;
import java.util.List;

/**
 * One keepalived vrrp_instance as planned for this node.
 *
 * @param name          {@code vips}/{@code vips6} (single mode) or {@code vip_<address key>} (per-vip)
 * @param unicastSrc    this node's address when unicast is used, else null
 * @param peers         the unicast peers (empty with multicast)
 * @param trackFile     the name of the track_file gating this instance (externalTrafficPolicy Local), else null
 * @param trackFilePath where the agent writes that file, else null
 */
public record VrrpInstance(String name, IpFamily family, int vrid, int priority, List<IpAddress> vips,
                           IpAddress unicastSrc, List<IpAddress> peers, String trackFile, String trackFilePath) {

    public VrrpInstance {
        vips = vips.stream().sorted().toList();
        peers = peers.stream().sorted().toList();
    }
}
