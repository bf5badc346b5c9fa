package io.vipkeeper.core.agent;

import static io.vipkeeper.core.agent.Fixtures.ip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vipkeeper.core.InvalidInputException;
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
        assertThat(id.singlePriority()).isEqualTo(200);
        assertThat(NodeIdentity.resolve("n10", nodes, null).singlePriority()).isEqualTo(201);
        assertThat(NodeIdentity.resolve("ext", nodes, null).address()).isEqualTo(ip("203.0.113.5"));
        assertThat(id.skipped()).containsExactly("v6only");
        assertThat(id.clusterNodes()).containsExactly("ext", "n10", "n9", "v6only");
    }

    @Test
    void nodeIpFlagWins() {
        NodeIdentity id = NodeIdentity.resolve("n9", nodes, ip("192.0.2.200"));
        assertThat(id.address()).isEqualTo(ip("192.0.2.200"));
        assertThat(id.singlePriority()).isEqualTo(201); // after 192.0.2.10, before 203.0.113.5
        assertThat(NodeIdentity.resolve("unknown", nodes, ip("192.0.2.1")).address()).isEqualTo(ip("192.0.2.1"));
    }

    @Test
    void unknownNodeWithoutFlagIsAnError() {
        assertThatThrownBy(() -> NodeIdentity.resolve("unknown", nodes, null))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("--node-ip");
    }
}
