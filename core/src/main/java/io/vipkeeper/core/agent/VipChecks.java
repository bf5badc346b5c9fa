package io.vipkeeper.core.agent;

import io.vipkeeper.core.net.Cidr;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.net.IpFamily;
import io.vipkeeper.core.net.SpecialAddress;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The addresses a VIP table entry may not name, whoever wrote it (the controller never allocates them; a hand-written
 * entry is not trusted either): special addresses ({@link SpecialAddress}), the addresses of Nodes, and the network
 * and broadcast address of an IPv4 subnet of the VRRP interface, when the agent knows them.
 *
 * @param nodeAddresses    address → the Node that has it
 * @param interfaceSubnets the subnets of the VRRP interface (empty when not known, e.g. for {@code render})
 */
public record VipChecks(Map<IpAddress, String> nodeAddresses, List<Cidr> interfaceSubnets) {

    /** Special addresses only. */
    public static final VipChecks SPECIAL_ONLY = new VipChecks(Map.of(), List.of());

    public VipChecks {
        nodeAddresses = Map.copyOf(nodeAddresses);
        interfaceSubnets = List.copyOf(interfaceSubnets);
    }

    /** The addresses of {@code nodes} (and {@code nodeIp}, this node's {@code --node-ip}, when not null). */
    public static VipChecks of(Collection<NodeInfo> nodes, String nodeName, IpAddress nodeIp, List<Cidr> interfaceSubnets) {
        Map<IpAddress, String> addresses = new HashMap<>();
        for (NodeInfo n : nodes) {
            n.externalIps().forEach(a -> addresses.putIfAbsent(a, n.name()));
            n.internalIps().forEach(a -> addresses.putIfAbsent(a, n.name()));
        }
        if (nodeIp != null) {
            addresses.putIfAbsent(nodeIp, nodeName);
        }
        return new VipChecks(addresses, interfaceSubnets);
    }

    /** Why no VIP may be {@code vip} ("127.0.0.1 is a loopback address"), or empty when it may. */
    public Optional<String> refusal(IpAddress vip) {
        Optional<String> r = SpecialAddress.refusal(vip, nodeAddresses);
        if (r.isPresent()) {
            return r;
        }
        for (Cidr c : interfaceSubnets) {
            // a /31 or /32 has no network or broadcast address (RFC 3021)
            if (c.family() != IpFamily.IPv4 || c.prefix() > 30) {
                continue;
            }
            if (vip.equals(c.network())) {
                return Optional.of(vip + " is the network address of " + c + ", a subnet of the VRRP interface");
            }
            if (vip.equals(c.last())) {
                return Optional.of(vip + " is the broadcast address of " + c + ", a subnet of the VRRP interface");
            }
        }
        return Optional.empty();
    }
}
