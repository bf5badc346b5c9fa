package io.vipkeeper.core.agent;

import static io.vipkeeper.core.agent.Fixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.vipkeeper.core.net.Cidr;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.plan.AgentPlan;
import io.vipkeeper.core.plan.AgentPlanner;
import io.vipkeeper.core.viptable.VipConfigMapCodec;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** A VIP table entry is not trusted: special addresses, Node addresses and the interface's network/broadcast are refused. */
class VipChecksTest {

    static String key(String address) {
        return VipConfigMapCodec.encodeKey(IpAddress.parse(address));
    }

    final List<NodeInfo> nodes = List.of(new NodeInfo("node-a", List.of(), List.of(ip("192.0.2.11"))),
            new NodeInfo("node-b", List.of(ip("198.51.100.12")), List.of(ip("192.0.2.12"))));

    AgentPlan plan(Map<String, String> data, List<Cidr> subnets) {
        ClusterSnapshot observed = new ClusterSnapshot(VipConfigMapCodec.decode(data), List.of(), List.of(), nodes, List.of());
        return AgentPlanner.plan(observed, "node-a", null, subnets, settings().build());
    }

    @Test
    void specialAddressesAreRefusedAndNeverHeld() {
        Map<String, String> data = new TreeMap<>();
        for (String special : List.of("0.0.0.0", "127.0.0.1", "224.0.0.18", "255.255.255.255", "169.254.10.1", "::",
                "::1", "fe80::1", "ff02::12", "::ffff:192.0.2.1")) {
            data.put(key(special), "");
        }
        data.put("192.0.2.240", "");
        AgentPlan plan = plan(data, List.of());
        assertThat(plan.vips()).extracting(v -> v.vip().toString()).containsExactly("192.0.2.240");
        assertThat(plan.instances()).flatExtracting(i -> i.vips()).containsExactly(ip("192.0.2.240"));
        assertThat(plan.reports()).hasSize(10).allMatch(r -> r.kind() == Report.Kind.ENTRY_REFUSED && r.subject() instanceof Report.Subject.Vip);
        assertThat(plan.reports()).extracting(Report::toString).contains(
                "ENTRY_REFUSED 127.0.0.1: 127.0.0.1 is a loopback address: not held",
                "ENTRY_REFUSED 0.0.0.0: 0.0.0.0 is the unspecified address: not held",
                "ENTRY_REFUSED 224.0.0.18: 224.0.0.18 is a multicast address: not held");
    }

    @Test
    void theAddressOfANodeIsRefused() {
        AgentPlan plan = plan(Map.of("192.0.2.12", "default/web", "198.51.100.12", "", "192.0.2.11", "", "192.0.2.240", ""), List.of());
        assertThat(plan.vips()).extracting(v -> v.vip().toString()).containsExactly("192.0.2.240");
        assertThat(plan.reports()).extracting(Report::toString).containsExactly(
                "ENTRY_REFUSED 192.0.2.11: 192.0.2.11 is the address of Node node-a: not held",
                "ENTRY_REFUSED 192.0.2.12: 192.0.2.12 is the address of Node node-b: not held",
                "ENTRY_REFUSED 198.51.100.12: 198.51.100.12 is the address of Node node-b: not held");
    }

    @Test
    void theNodeIpFlagCountsAsANodeAddress() {
        VipChecks checks = VipChecks.of(List.of(), "node-a", ip("203.0.113.5"), List.of());
        assertThat(checks.refusal(ip("203.0.113.5"))).contains("203.0.113.5 is the address of Node node-a");
    }

    @Test
    void theNetworkAndBroadcastAddressOfTheInterfaceSubnetAreRefused() {
        AgentPlan plan = plan(Map.of("192.0.2.0", "", "192.0.2.255", "", "192.0.2.240", "", "203.0.113.0", "", "203.0.113.1", ""),
                List.of(Cidr.parse("192.0.2.0/24"), Cidr.parse("203.0.113.0/31")));
        // a /31 has no network or broadcast address: both of its addresses are usable
        assertThat(plan.vips()).extracting(v -> v.vip().toString()).containsExactly("192.0.2.240", "203.0.113.0", "203.0.113.1");
        assertThat(plan.reports()).extracting(Report::toString).containsExactly(
                "ENTRY_REFUSED 192.0.2.0: 192.0.2.0 is the network address of 192.0.2.0/24, a subnet of the VRRP interface: not held",
                "ENTRY_REFUSED 192.0.2.255: 192.0.2.255 is the broadcast address of 192.0.2.0/24, a subnet of the VRRP interface: not held");
    }

    @Test
    void aNodeIsNeverAUnicastPeerOrItselfByALoopbackAddress() {
        List<NodeInfo> withLoopback = List.of(new NodeInfo("node-a", List.of(ip("127.0.0.1")), List.of(ip("192.0.2.11"))),
                new NodeInfo("node-b", List.of(ip("127.0.0.2")), List.of(ip("192.0.2.12"))),
                new NodeInfo("node-c", List.of(), List.of(ip("169.254.1.3"))));
        NodeIdentity id = NodeIdentity.resolve("node-a", withLoopback, null);
        assertThat(id.address()).isEqualTo(ip("192.0.2.11"));
        assertThat(id.peers()).containsExactly(ip("192.0.2.12"));
        assertThat(id.skipped()).containsExactly("node-c");
    }
}
