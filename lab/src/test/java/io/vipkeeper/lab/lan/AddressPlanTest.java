package io.vipkeeper.lab.lan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class AddressPlanTest {

    @Test
    void namesAndAddressesOfThreeNodes() {
        AddressPlan p = new AddressPlan("192.0.2", 3);
        assertThat(p.hostIp()).isEqualTo("192.0.2.1");
        assertThat(p.nodeIndexes()).containsExactly(1, 2, 3);
        assertThat(AddressPlan.nodeNs(2)).isEqualTo("vk-node2");
        assertThat(p.nodeIp(1)).isEqualTo("192.0.2.11");
        assertThat(p.nodeIp(3)).isEqualTo("192.0.2.13");
        assertThat(p.clientIp()).isEqualTo("192.0.2.50");
        assertThat(p.podIp(1)).isEqualTo("192.0.2.101");
        assertThat(p.pool()).isEqualTo("192.0.2.200-192.0.2.239");
        assertThat(p.handWrittenVip()).isEqualTo("192.0.2.240");
        assertThat(p.apiUrl()).isEqualTo("http://192.0.2.1:6443");
        assertThat(p.nodeOf("192.0.2.12")).isEqualTo(2);
        assertThat(p.nodeOf("192.0.2.50")).isZero();
        assertThat(p.withNodes(4).nodeIp(4)).isEqualTo("192.0.2.14");
    }

    @Test
    void nodeAndPodAddressesNeverMeetTheClientOrThePool() {
        AddressPlan p = new AddressPlan("198.51.100", AddressPlan.MAX_NODES);
        assertThat(p.nodeIp(AddressPlan.MAX_NODES)).isEqualTo("198.51.100.49");
        assertThat(p.podIp(AddressPlan.MAX_PODS)).isEqualTo("198.51.100.199");
        assertThatThrownBy(() -> p.podIp(100)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AddressPlan("192.0.2", 40)).hasMessageContaining("--nodes");
        assertThatThrownBy(() -> new AddressPlan("192.0.2", 0)).hasMessageContaining("--nodes");
    }

    @Test
    void onlyDocumentationRanges() {
        assertThatThrownBy(() -> new AddressPlan("10.0.0", 3)).hasMessageContaining("documentation");
        assertThatThrownBy(() -> new AddressPlan("192.168.1", 3)).hasMessageContaining("documentation");
    }

    @Test
    void picksAFreeDocumentationRange() {
        assertThat(AddressPlan.freePrefix(List.of("127.0.0.1/8", "10.1.2.3/16"))).isEqualTo("192.0.2");
        // this machine: eth0 is 192.0.2.2/24 with the gateway 192.0.2.1
        assertThat(AddressPlan.freePrefix(List.of("192.0.2.2/24", "192.0.2.0/24", "192.0.2.1"))).isEqualTo("198.51.100");
        assertThat(AddressPlan.freePrefix(List.of("192.0.2.0/23"))).isEqualTo("198.51.100");
        assertThat(AddressPlan.freePrefix(List.of("192.0.0.0/8", "198.51.100.7/32"))).isEqualTo("203.0.113");
        assertThat(AddressPlan.freePrefix(List.of("0.0.0.0/0", "fd00::2/64"))).isEqualTo("192.0.2");
        assertThatThrownBy(() -> AddressPlan.freePrefix(List.of("192.0.0.0/3"))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void bgpModeRouterAndSecondClientInAnotherDocumentationRange() {
        AddressPlan p = new AddressPlan("198.51.100", 3);
        assertThat(p.routerIp()).isEqualTo("198.51.100.254");
        assertThat(p.client2Cidr()).isEqualTo("203.0.113.0/24");
        assertThat(p.routerClient2Ip()).isEqualTo("203.0.113.1");
        assertThat(p.client2Ip()).isEqualTo("203.0.113.50");
        assertThat(new AddressPlan("203.0.113", 3).client2Cidr()).isEqualTo("198.51.100.0/24");
        assertThat(new AddressPlan("192.0.2", 3).client2Cidr()).isEqualTo("203.0.113.0/24");
        assertThat(p.nodeOf(p.routerIp())).isZero();
    }

    @Test
    void thePoolAsCidrsCoversExactlyItsAddresses() {
        AddressPlan p = new AddressPlan("198.51.100", 3);
        assertThat(p.poolCidrs()).containsExactly("198.51.100.200/29", "198.51.100.208/28", "198.51.100.224/28");
    }
}
