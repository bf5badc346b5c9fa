package io.vipkeeper.core.agent;

import static io.vipkeeper.core.agent.Fixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.vipkeeper.core.alloc.PortKey.Protocol;
import io.vipkeeper.core.names.ServiceRef;
import io.vipkeeper.core.viptable.ForwardMethod;
import io.vipkeeper.core.viptable.VipConfigMapCodec;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class VipResolverTest {

    static Resolution resolve(Map<String, String> data, List<ServiceSpec> svcs, List<EndpointGroup> groups,
                              AgentSettings s) {
        Map<ServiceRef, ServiceSpec> m = new TreeMap<>();
        svcs.forEach(x -> m.put(x.ref(), x));
        return VipResolver.resolve(VipConfigMapCodec.decode(data), m, VipResolver.byService(groups), "node-a", s);
    }

    final ServiceSpec web = svc("web/front", TrafficPolicy.CLUSTER, port("http", Protocol.TCP, 80), port("dns", Protocol.UDP, 53));
    final EndpointGroup webEps = group("web/front",
            List.of(new EndpointPortSpec("http", Protocol.TCP, 8080), new EndpointPortSpec("dns", Protocol.UDP, 5353)),
            ready("198.51.100.2", "node-b"), ready("198.51.100.1", "node-a"), notReady("198.51.100.3", "node-a"),
            ready("2001:db8::5", "node-a"));

    @Test
    void forwardsEveryPortToReadyEndpointsByPortName() {
        Resolution r = resolve(Map.of("192.0.2.10", "web/front"), List.of(web), List.of(webEps), settings().build());
        assertThat(r.reports()).isEmpty();
        ResolvedVip v = r.vips().get(0);
        assertThat(v.ports()).hasSize(2);
        ResolvedPort http = v.ports().get(0);
        assertThat(http.key().toString()).isEqualTo("80/TCP");
        assertThat(http.method()).isEqualTo(ForwardMethod.NAT);
        // sorted, not-ready and other-family endpoints left out, port from the slice (the resolved targetPort)
        assertThat(http.backends()).extracting(b -> b.address() + ":" + b.port())
                .containsExactly("198.51.100.1:8080", "198.51.100.2:8080");
        assertThat(v.ports().get(1).backends()).extracting(Backend::port).containsOnly(5353);
    }

    @Test
    void missingServiceAndNoEndpointsKeepTheVipHeld() {
        Resolution r = resolve(Map.of("192.0.2.10", "web/gone", "192.0.2.11", "web/front"), List.of(web), List.of(),
                settings().build());
        assertThat(r.vips()).extracting(v -> v.vip().toString()).containsExactly("192.0.2.10", "192.0.2.11");
        assertThat(r.vips().get(0).ports()).isEmpty();
        assertThat(r.vips().get(1).ports()).allMatch(p -> p.backends().isEmpty());
        assertThat(r.reports()).extracting(Report::kind)
                .containsExactly(Report.Kind.SERVICE_MISSING, Report.Kind.NO_ENDPOINTS, Report.Kind.NO_ENDPOINTS);
    }

    @Test
    void anEntryThatDoesNotParseIsRefusedAndTheOthersServed() {
        Map<String, String> data = new TreeMap<>();
        data.put("192.0.2.10", "web/front");
        data.put("192.0.2.11", "web/front:NAT\n}");
        data.put("bogus", "");
        data.put("192.0.2.12", "");
        Resolution r = resolve(data, List.of(web), List.of(webEps), settings().build());
        assertThat(r.vips()).extracting(v -> v.vip().toString()).containsExactly("192.0.2.10", "192.0.2.12");
        assertThat(r.reports()).extracting(Report::kind).containsOnly(Report.Kind.ENTRY_REFUSED).hasSize(2);
    }

    @Test
    void sharedVipFirstServiceWinsAPort() {
        ServiceSpec other = svc("web/other", TrafficPolicy.CLUSTER, port("", Protocol.TCP, 80), port("", Protocol.TCP, 81));
        Resolution r = resolve(Map.of("192.0.2.10", "web/other,web/front"), List.of(web, other), List.of(webEps),
                settings().build());
        assertThat(r.vips().get(0).ports()).extracting(p -> p.key() + " " + p.service())
                .containsExactly("80/TCP web/front", "81/TCP web/other", "53/UDP web/front");
        assertThat(r.reports()).anyMatch(x -> x.kind() == Report.Kind.NOT_FORWARDED && x.message().contains("already served"));
    }

    @Test
    void localPolicyPerVipUsesOnlyThisNodesEndpoints() {
        ServiceSpec local = svc("web/front", TrafficPolicy.LOCAL, port("http", Protocol.TCP, 80));
        Resolution r = resolve(Map.of("192.0.2.10", "web/front"), List.of(local), List.of(webEps),
                settings().instanceMode(InstanceMode.PER_VIP).build());
        assertThat(r.vips().get(0).localOnly()).isTrue();
        assertThat(r.vips().get(0).ports().get(0).backends()).extracting(b -> b.address().toString())
                .containsExactly("198.51.100.1");
        Resolution single = resolve(Map.of("192.0.2.10", "web/front"), List.of(local), List.of(webEps), settings().build());
        assertThat(single.vips().get(0).localOnly()).isFalse();
        assertThat(single.reports()).extracting(Report::kind).containsExactly(Report.Kind.POLICY_IGNORED);
    }

    @Test
    void dataPlanesRefuseWhatTheyCannotForward() {
        Map<String, String> data = Map.of("192.0.2.10", "web/front:DR", "192.0.2.11", "web/front:PROXY");
        Resolution nft = resolve(data, List.of(web), List.of(webEps), settings().dataplane(Dataplane.NFTABLES).build());
        assertThat(nft.vips()).allMatch(v -> v.ports().isEmpty());
        assertThat(nft.reports()).hasSize(2).allMatch(x -> x.kind() == Report.Kind.NOT_FORWARDED);
        Resolution hap = resolve(data, List.of(web), List.of(webEps), settings().dataplane(Dataplane.HAPROXY).build());
        assertThat(hap.vips()).allMatch(v -> v.ports().size() == 1); // UDP 53 refused: haproxy is TCP only
        Resolution ipvs = resolve(data, List.of(web), List.of(webEps), settings().build());
        // DR cannot rewrite 80 → 8080: those endpoints are left out and reported
        assertThat(ipvs.vips().get(0).ports()).allMatch(p -> p.backends().isEmpty());
        assertThat(ipvs.vips().get(1).ports()).isEmpty();
        Resolution none = resolve(data, List.of(web), List.of(webEps), settings().dataplane(Dataplane.NONE).build());
        assertThat(none.vips()).hasSize(2).allMatch(v -> v.ports().isEmpty());
        assertThat(none.reports()).isEmpty();
    }
}
