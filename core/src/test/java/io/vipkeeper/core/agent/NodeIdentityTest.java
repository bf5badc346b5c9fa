package io.vipkeeper.core.agent;

import static io.vipkeeper.core.agent.Fixtures.ip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.net.IpAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class NodeIdentityTest {

    final List<NodeInfo> nodes = List.of(
            new NodeInfo("n10", List.of(), List.of(ip("192.0.2.10"))),
            new NodeInfo("n9", List.of(), List.of(ip("192.0.2.9"))),
            new NodeInfo("ext", List.of(ip("203.0.113.5")), List.of(ip("192.0.2.5"))),
            new NodeInfo("v6only", List.of(), List.of(ip("2001:db8::7"))));

    @Test
    void externalBeforeInternalPeersSortedAsAddresses() {
        NodeIdentity id = NodeIdentity.resolve("n9", nodes, null);
        assertThat(id.address()).isEqualTo(ip("192.0.2.9"));
        // the seed sorted strings ("192.0.2.10" < "192.0.2.9"); addresses sort numerically
        assertThat(id.peers()).extracting(Object::toString).containsExactly("192.0.2.10", "203.0.113.5");
        // three IPv4 nodes (v6only is skipped): 154, 204, 254
        assertThat(id.singlePriority()).isEqualTo(154);
        assertThat(NodeIdentity.resolve("n10", nodes, null).singlePriority()).isEqualTo(204);
        assertThat(NodeIdentity.resolve("ext", nodes, null).singlePriority()).isEqualTo(254);
        assertThat(NodeIdentity.resolve("ext", nodes, null).address()).isEqualTo(ip("203.0.113.5"));
        assertThat(id.skipped()).containsExactly("v6only");
        assertThat(id.clusterNodes()).containsExactly("ext", "n10", "n9", "v6only");
    }

    @Test
    void nodeIpFlagWins() {
        NodeIdentity id = NodeIdentity.resolve("n9", nodes, ip("192.0.2.200"));
        assertThat(id.address()).isEqualTo(ip("192.0.2.200"));
        assertThat(id.singlePriority()).isEqualTo(204); // after 192.0.2.10, before 203.0.113.5
        assertThat(NodeIdentity.resolve("unknown", nodes, ip("192.0.2.1")).address()).isEqualTo(ip("192.0.2.1"));
    }

    @Test
    void aLoneNodeRunsAt254() {
        assertThat(priorities(1)).containsExactly(254);
        assertThat(NodeIdentity.resolve("lone", List.of(), ip("192.0.2.1")).singlePriority()).isEqualTo(254);
    }

    @Test
    void fewNodesAreUpTo50Apart() {
        // 50 apart: after a priority-0 advert at 0.1 s the backups' skews differ by 50/256 × 100 ms ≈ 19.5 ms
        assertThat(priorities(2)).containsExactly(204, 254);
        assertThat(priorities(3)).containsExactly(154, 204, 254);
        assertThat(priorities(4)).containsExactly(155, 188, 221, 254);
        assertThat(priorities(5)).containsExactly(154, 179, 204, 229, 254);
    }

    @Test
    void moreNodesShareTheRangeDownTo150() {
        assertThat(priorities(11)).containsExactly(154, 164, 174, 184, 194, 204, 214, 224, 234, 244, 254);
        List<Integer> hundredAndOne = priorities(101);
        assertThat(hundredAndOne.get(0)).isEqualTo(154);
        assertThat(hundredAndOne.get(100)).isEqualTo(254);
        for (int i = 1; i < 101; i++) {
            assertThat(hundredAndOne.get(i) - hundredAndOne.get(i - 1)).isEqualTo(1);
        }
    }

    @Test
    void beyond101NodesTheLowestShare150() {
        List<Integer> p = priorities(150);
        assertThat(p.get(149)).isEqualTo(254);
        assertThat(p.get(50)).isEqualTo(155);
        assertThat(p.subList(0, 46)).containsOnly(150);
        assertThat(p.get(46)).isEqualTo(151);
    }

    @Test
    void orderIsKeptAndEveryPriorityBeatsKubeKeepalivedVip() {
        for (int count = 1; count <= 300; count++) {
            List<Integer> p = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                p.add(NodeIdentity.singlePriority(i, count));
            }
            assertThat(p).as("%d nodes", count).isSorted();
            assertThat(p.get(count - 1)).as("%d nodes: the highest address", count).isEqualTo(254);
            for (int i = 0; i < count; i++) {
                assertThat(p.get(i)).as("%d nodes, index %d", count, i).isBetween(150, 254);
                if (count <= 154) {
                    // kube-keepalived-vip runs at 100 + index: a vipkeeper node wins every election during a
                    // migration (up to 154 nodes, as with the former 200 + index: beyond, 100 + index reaches 254)
                    assertThat(p.get(i)).as("%d nodes, index %d", count, i).isGreaterThan(100 + i);
                }
                if (i > 0 && count <= 101) {
                    assertThat(p.get(i)).as("%d nodes, index %d", count, i).isGreaterThan(p.get(i - 1));
                }
            }
        }
    }

    @Test
    void countIsOnlyTheNodesOfTheFamily() {
        List<NodeInfo> mixed = List.of(
                new NodeInfo("a", List.of(), List.of(ip("192.0.2.1"))),
                new NodeInfo("b", List.of(), List.of(ip("192.0.2.2"))),
                new NodeInfo("six1", List.of(), List.of(ip("2001:db8::1"))),
                new NodeInfo("six2", List.of(), List.of(ip("2001:db8::2"))));
        assertThat(NodeIdentity.resolve("a", mixed, null).singlePriority()).isEqualTo(204);
        assertThat(NodeIdentity.resolve("b", mixed, null).singlePriority()).isEqualTo(254);
        assertThat(NodeIdentity.resolve("six1", mixed, null).singlePriority()).isEqualTo(204);
    }

    @Test
    void theRuleRefusesAnIndexOutsideTheNodes() {
        assertThatThrownBy(() -> NodeIdentity.singlePriority(3, 3)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> NodeIdentity.singlePriority(-1, 3)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> NodeIdentity.singlePriority(0, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    /** Each node's single priority, resolved as its agent does, lowest address first. */
    private static List<Integer> priorities(int count) {
        List<NodeInfo> cluster = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            // 198.51.100.0/24 then 203.0.113.0/24: more than 254 nodes fit, and the names sort unlike the addresses
            IpAddress a = ip(i < 250 ? "198.51.100." + (i + 1) : "203.0.113." + (i - 249));
            cluster.add(new NodeInfo("node-" + (count - i), List.of(), List.of(a)));
        }
        List<Integer> out = new ArrayList<>();
        for (NodeInfo n : cluster) {
            out.add(NodeIdentity.resolve(n.name(), cluster, null).singlePriority());
        }
        return out;
    }

    @Test
    void unknownNodeWithoutFlagIsAnError() {
        assertThatThrownBy(() -> NodeIdentity.resolve("unknown", nodes, null))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("--node-ip");
    }
}
