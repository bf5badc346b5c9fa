package io.vipkeeper.dns;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.vipkeeper.core.dns.DnsName;
import io.vipkeeper.core.dns.Target;
import io.vipkeeper.core.names.ServiceRef;
import io.vipkeeper.core.net.IpAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What the publisher keeps of each object: only what publishing reads, every untrusted value parsed or refused. */
class ClusterSourceViewsTest {

    static ServiceBuilder lb(String ns, String name, String... ips) {
        ServiceBuilder b = new ServiceBuilder().withNewMetadata().withNamespace(ns).withName(name).endMetadata()
                .withNewSpec().withType("LoadBalancer").endSpec();
        var status = b.withNewStatus().withNewLoadBalancer();
        for (String ip : ips) {
            status.addNewIngress().withIp(ip).endIngress();
        }
        return status.endLoadBalancer().endStatus();
    }

    @Test
    void aLoadBalancerServiceKeepsItsNameAndParsedAddressesAndRefusesTheRest() {
        ClusterSource.ServiceView v = ClusterSource.serviceView(lb("default", "web", "192.0.2.1", "not-an-ip", "2001:db8::1").build(),
                ClusterSource.Filter.NONE);
        assertThat(v.ref()).isEqualTo(new ServiceRef("default", "web"));
        assertThat(v.ingress()).containsExactly(new Target.Address(IpAddress.parse("192.0.2.1")), new Target.Address(IpAddress.parse("2001:db8::1")));
        assertThat(v.refused()).containsExactly("invalid-ingress-ip: \"not-an-ip\"");

        ClusterSource.ServiceView bad = ClusterSource.serviceView(lb("default", "Web_1", "192.0.2.1").build(), ClusterSource.Filter.NONE);
        assertThat(bad.ref()).isNull();
        assertThat(bad.refused()).singleElement().asString().startsWith("invalid-label: ");
        assertThat(bad.object()).isEqualTo("Service \"default\"/\"Web_1\"");
    }

    @Test
    void addressesNoServiceMayHoldAreRefusedWithTheReason() {
        ClusterSource.ServiceView v = ClusterSource.serviceView(lb("default", "web", "127.0.0.1", "0.0.0.0", "169.254.1.1", "224.0.0.5",
                "255.255.255.255", "::1", "fe80::1", "::ffff:192.0.2.1", "192.0.2.1").build(), ClusterSource.Filter.NONE);
        assertThat(v.ingress()).containsExactly(new Target.Address(IpAddress.parse("192.0.2.1")));
        assertThat(v.refused()).containsExactly("special-address: 127.0.0.1 is a loopback address",
                "special-address: 0.0.0.0 is the unspecified address", "special-address: 169.254.1.1 is a link-local address",
                "special-address: 224.0.0.5 is a multicast address", "special-address: 255.255.255.255 is the broadcast address",
                "special-address: ::1 is a loopback address", "special-address: fe80::1 is a link-local address",
                "special-address: ::ffff:c000:201 is an IPv4-mapped IPv6 address (use the IPv4 address itself)");
    }

    @Test
    void anIngressEntryIsItsIpElseItsHostname() {
        Service s = new ServiceBuilder(lb("default", "web").build()).editStatus().editLoadBalancer()
                .addNewIngress().withIp("192.0.2.1").withHostname("ignored.example.net").endIngress()
                .addNewIngress().withIp("").withHostname("lb.example.net").endIngress()
                .addNewIngress().withHostname("bad_name.example.net").endIngress()
                .endLoadBalancer().endStatus().build();
        ClusterSource.ServiceView v = ClusterSource.serviceView(s, ClusterSource.Filter.NONE);
        assertThat(v.ingress()).containsExactly(new Target.Address(IpAddress.parse("192.0.2.1")),
                new Target.Alias(DnsName.parse("lb.example.net")));
        assertThat(v.refused()).containsExactly("invalid-ingress-hostname: \"bad_name.example.net\"");
    }

    @Test
    void otherServicesAndFilteredOnesAreNotKept() {
        Service clusterIp = new ServiceBuilder(lb("default", "web").build()).editSpec().withType("ClusterIP").endSpec().build();
        assertThat(ClusterSource.serviceView(clusterIp, ClusterSource.Filter.NONE)).isNull();
        ClusterSource.Filter optIn = new ClusterSource.Filter("vipkeeper.io/federate", "true");
        assertThat(ClusterSource.serviceView(lb("default", "web").build(), optIn)).isNull();
        assertThat(ClusterSource.serviceView(lb("default", "web").editMetadata().addToAnnotations("vipkeeper.io/federate", "true")
                .endMetadata().build(), optIn)).isNotNull();
    }

    /** The store calls for a publishing cycle only when a view changes: these changes leave it as it was. */
    @Test
    void changesPublishingDoesNotReadLeaveTheViewEqual() {
        Service s = lb("default", "web", "192.0.2.1").build();
        Service touched = new ServiceBuilder(s).editMetadata().withResourceVersion("42").addToAnnotations("note", "x")
                .addToLabels("tier", "front").endMetadata().editSpec().addNewPort().withPort(443).endPort().endSpec().build();
        assertThat(ClusterSource.serviceView(touched, ClusterSource.Filter.NONE)).isEqualTo(ClusterSource.serviceView(s, ClusterSource.Filter.NONE));

        var oneReady = slice("web", List.of("192.0.2.10", "192.0.2.11"), List.of(true, false));
        var anotherReady = slice("web", List.of("192.0.2.10", "192.0.2.12"), List.of(false, true));
        assertThat(ClusterSource.sliceView(anotherReady)).isEqualTo(ClusterSource.sliceView(oneReady));

        var node = new NodeBuilder().withNewMetadata().withName("n1").addToLabels("topology.kubernetes.io/zone", "z1")
                .addToLabels("topology.kubernetes.io/region", "r1").addToLabels("kubernetes.io/hostname", "n1").endMetadata().build();
        var heartbeat = new NodeBuilder(node).editMetadata().withResourceVersion("7").addToLabels("other", "x").endMetadata()
                .withNewStatus().addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus().build();
        assertThat(ClusterSource.nodeView(heartbeat)).isEqualTo(ClusterSource.nodeView(node));
        assertThat(ClusterSource.topologyLabels(heartbeat)).isEqualTo(ClusterSource.topologyLabels(node))
                .isEqualTo(Map.of("topology.kubernetes.io/zone", "z1", "topology.kubernetes.io/region", "r1"));
    }

    @Test
    void aNodeIsItsNameTopologyAndTheAddressesThatParse() {
        var node = new NodeBuilder().withNewMetadata().withName("n1").addToLabels("topology.kubernetes.io/zone", "z1")
                .addToLabels("topology.kubernetes.io/region", "r1").endMetadata().withNewStatus()
                .addNewAddress().withType("InternalIP").withAddress("192.0.2.50").endAddress()
                .addNewAddress().withType("Hostname").withAddress("n1").endAddress()
                .addNewAddress().withType("ExternalIP").withAddress("2001:db8::50").endAddress().endStatus().build();
        assertThat(ClusterSource.nodeView(node)).isEqualTo(new ClusterSource.NodeView("n1",
                Map.of("topology.kubernetes.io/zone", "z1", "topology.kubernetes.io/region", "r1"),
                Set.of(IpAddress.parse("192.0.2.50"), IpAddress.parse("2001:db8::50"))));
        var bare = new NodeBuilder().withNewMetadata().withName("n2").endMetadata().build();
        assertThat(ClusterSource.nodeView(bare)).isEqualTo(new ClusterSource.NodeView("n2", Map.of(), Set.of()));
    }

    @Test
    void anEndpointSliceIsItsServicesReadiness() {
        assertThat(ClusterSource.sliceView(slice("web", List.of("192.0.2.10"), List.of(true))))
                .isEqualTo(new ClusterSource.SliceView("default/web", true));
        assertThat(ClusterSource.sliceView(slice("web", List.of("192.0.2.10"), List.of(false))).ready()).isFalse();
        // unknown readiness counts as ready (the API's documented meaning); no address, no endpoint
        var unknown = new EndpointSliceBuilder(slice("web", List.of(), List.of())).addNewEndpoint().withAddresses("192.0.2.10").endEndpoint()
                .build();
        assertThat(ClusterSource.sliceView(unknown).ready()).isTrue();
        var noAddress = new EndpointSliceBuilder(slice("web", List.of(), List.of())).addNewEndpoint().withNewConditions().withReady(true)
                .endConditions().endEndpoint().build();
        assertThat(ClusterSource.sliceView(noAddress).ready()).isFalse();
        var unlabelled = new EndpointSliceBuilder(slice("web", List.of(), List.of())).editMetadata().withLabels(Map.of()).endMetadata().build();
        assertThat(ClusterSource.sliceView(unlabelled)).isNull();
    }

    static io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice slice(String service, List<String> addresses, List<Boolean> ready) {
        EndpointSliceBuilder b = new EndpointSliceBuilder().withNewMetadata().withNamespace("default").withName(service + "-abc")
                .addToLabels(ClusterSource.SERVICE_NAME_LABEL, service).endMetadata().withAddressType("IPv4");
        for (int i = 0; i < addresses.size(); i++) {
            b.addNewEndpoint().withAddresses(addresses.get(i)).withNewConditions().withReady(ready.get(i)).endConditions().endEndpoint();
        }
        return b.build();
    }
}
