package io.vipkeeper.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.vipkeeper.core.agent.EndpointAddress;
import io.vipkeeper.core.agent.EndpointGroup;
import io.vipkeeper.core.agent.NodeInfo;
import io.vipkeeper.core.net.IpAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One bad address drops that endpoint (or Node address), not its whole EndpointSlice (or Node). */
class KubeTranslatorTest {

    @Test
    void aBadEndpointAddressDropsThatEndpointOnly() {
        EndpointGroup g = KubeTranslator.endpointSlice(new EndpointSliceBuilder().withNewMetadata().withNamespace("default")
                .withName("web-abc").addToLabels("kubernetes.io/service-name", "web").endMetadata().withAddressType("IPv4")
                .addNewPort().withName("http").withProtocol("TCP").withPort(8080).endPort()
                .addNewEndpoint().withAddresses("198.51.100.1").endEndpoint()
                .addNewEndpoint().withAddresses("127.0.0.1").endEndpoint()
                .addNewEndpoint().withAddresses("not-an-ip").endEndpoint()
                .addNewEndpoint().withAddresses("2001:db8::1").endEndpoint()
                .addNewEndpoint().withAddresses("224.0.0.1").endEndpoint()
                .addNewEndpoint().withAddresses("198.51.100.2").withNodeName("Bad Node").endEndpoint()
                .addNewEndpoint().withAddresses("198.51.100.3").endEndpoint().build());
        assertThat(g.endpoints()).extracting(EndpointAddress::address).containsExactly(IpAddress.parse("198.51.100.1"), IpAddress.parse("198.51.100.3"));
        assertThat(g.refused()).containsExactly(
                "EndpointSlice default/web-abc: endpoints[1].addresses[0]: 127.0.0.1 is a loopback address; that endpoint is left out",
                "EndpointSlice default/web-abc: endpoints[2].addresses[0]: not an IP address: \"not-an-ip\"; that endpoint is left out",
                "EndpointSlice default/web-abc: endpoints[3].addresses[0]: 2001:db8::1 is not an IPv4 address; that endpoint is left out",
                "EndpointSlice default/web-abc: endpoints[4].addresses[0]: 224.0.0.1 is a multicast address; that endpoint is left out",
                "EndpointSlice default/web-abc: endpoints[5].nodeName: not a valid node name: \"Bad Node\" (a DNS subdomain: lower-case "
                        + "letters, digits, '-' and '.', at most 253); that endpoint is left out");
    }

    @Test
    void aBadLegacyEndpointAddressDropsThatAddressOnly() {
        List<EndpointGroup> groups = KubeTranslator.endpoints(new EndpointsBuilder().withNewMetadata().withNamespace("default")
                .withName("web").endMetadata().addNewSubset().addNewPort().withName("http").withProtocol("TCP").withPort(8080).endPort()
                .addNewAddress().withIp("198.51.100.1").endAddress().addNewAddress().withIp("0.0.0.0").endAddress()
                .addNewNotReadyAddress().withIp("::1").endNotReadyAddress().endSubset().build());
        assertThat(groups).singleElement().satisfies(g -> {
            assertThat(g.endpoints()).extracting(EndpointAddress::address).containsExactly(IpAddress.parse("198.51.100.1"));
            assertThat(g.refused()).hasSize(2).allMatch(m -> m.endsWith("; that endpoint is left out"));
        });
    }

    @Test
    void aBadNodeAddressDropsThatAddressOnly() {
        NodeInfo n = KubeTranslator.node(new NodeBuilder().withNewMetadata().withName("node-a").endMetadata().withNewStatus()
                .addNewAddress().withType("ExternalIP").withAddress("192.0.2.300").endAddress()
                .addNewAddress().withType("InternalIP").withAddress("192.0.2.11").endAddress()
                .addNewAddress().withType("Hostname").withAddress("node-a").endAddress().endStatus().build());
        assertThat(n.externalIps()).isEmpty();
        assertThat(n.internalIps()).containsExactly(IpAddress.parse("192.0.2.11"));
        assertThat(n.refused()).containsExactly(
                "Node node-a: status.addresses[0].address: not an IP address: \"192.0.2.300\"; that address is left out");
    }

    /** A planned handover reads the Node's labels as they are and its cordon (spec.unschedulable). */
    @Test
    void aNodesCordonAndLabelsAreKept() {
        NodeInfo cordoned = KubeTranslator.node(new NodeBuilder().withNewMetadata().withName("node-a")
                .addToLabels("node.kubernetes.io/exclude-from-external-load-balancers", "").endMetadata()
                .withNewSpec().withUnschedulable(true).endSpec().build());
        assertThat(cordoned.unschedulable()).isTrue();
        assertThat(cordoned.labels()).containsEntry("node.kubernetes.io/exclude-from-external-load-balancers", "");
        assertThat(KubeTranslator.node(new NodeBuilder().withNewMetadata().withName("node-a").endMetadata().build()).unschedulable())
                .as("no spec").isFalse();
        assertThat(KubeTranslator.node(new NodeBuilder().withNewMetadata().withName("node-a").endMetadata()
                .withNewSpec().withUnschedulable(false).endSpec().build()).unschedulable()).isFalse();
    }
}
