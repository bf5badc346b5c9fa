package io.vipkeeper.core.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** MetalLB's documented objects (metallb.io/v1beta1) as VipPools; what has no equivalent is named, never widened. */
class MetalLbImportTest {

    static Map<String, Object> m(Object... kv) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            out.put((String) kv[i], kv[i + 1]);
        }
        return out;
    }

    static Map<String, Object> obj(String kind, String name, Map<String, Object> spec) {
        return m("apiVersion", kind.equals("BGPPeer") ? "metallb.io/v1beta2" : "metallb.io/v1beta1", "kind", kind,
                "metadata", m("name", name, "namespace", "metallb-system"), "spec", spec);
    }

    static Map<String, Object> pool(String name, Object... spec) {
        return obj("IPAddressPool", name, m(spec));
    }

    static Map<String, Object> l2(String name, Object... spec) {
        return obj("L2Advertisement", name, m(spec));
    }

    static Map<String, Object> spec(ImportedPool p) {
        @SuppressWarnings("unchecked")
        Map<String, Object> spec = (Map<String, Object>) p.toObject().get("spec");
        return spec;
    }

    @Test
    void everyFieldOfADocumentedPoolAndItsL2Advertisement() {
        ImportResult r = MetalLbImport.convert(List.of(
                pool("production", "addresses", List.of("198.51.100.0/24", "203.0.113.10-203.0.113.20", "2001:db8::/124"),
                        "autoAssign", false, "avoidBuggyIPs", true,
                        "serviceAllocation", m("priority", 50, "namespaces", List.of("team-a"),
                                "namespaceSelectors", List.of(m("matchLabels", m("team", "a"))),
                                "serviceSelectors", List.of(m("matchExpressions", List.of(m("key", "tier", "operator", "In", "values", List.of("front"))))))),
                l2("prod-l2", "ipAddressPools", List.of("production"), "nodeSelectors", List.of(m("matchLabels", m("rack", "r1"))),
                        "interfaces", List.of("eth1"))));
        assertThat(r.errors()).isEmpty();
        assertThat(r.leftOut()).isEmpty();
        assertThat(r.exitCode()).isZero();
        ImportedPool p = r.pools().get(0);
        assertThat(p.toObject()).containsEntry("apiVersion", "vipkeeper.io/v1alpha1").containsEntry("kind", "VipPool")
                .containsEntry("metadata", Map.of("name", "production"));
        // MetalLB hands out a /24's network and broadcast addresses too: a range keeps them (a VipPool CIDR would not)
        assertThat(spec(p)).containsEntry("addresses", List.of("198.51.100.0-198.51.100.255", "203.0.113.10-203.0.113.20", "2001:db8::/124"))
                .containsEntry("autoAssign", false).containsEntry("avoidBuggyIPs", true)
                .containsEntry("serviceAllocation", m("priority", 50, "namespaces", List.of("team-a"),
                        "namespaceSelector", m("matchLabels", m("team", "a")),
                        "serviceSelector", m("matchExpressions", List.of(m("key", "tier", "operator", "In", "values", List.of("front"))))))
                .containsEntry("nodeSelector", m("matchLabels", m("rack", "r1"))).containsEntry("interface", "eth1")
                .containsEntry("announce", "vrrp");
    }

    @Test
    void advertisementsSelectPoolsByNameByLabelOrAll() {
        Map<String, Object> labelled = pool("b", "addresses", List.of("198.51.100.16/28"));
        ((Map<String, Object>) labelled.get("metadata")).put("labels", m("zone", "east"));
        ImportResult r = MetalLbImport.convert(List.of(pool("a", "addresses", List.of("198.51.100.0/28")), labelled,
                l2("by-label", "ipAddressPoolSelectors", List.of(m("matchLabels", m("zone", "east"))), "interfaces", List.of("eth2")),
                l2("all")));
        assertThat(r.exitCode()).isZero();
        // "all" has no interfaces: MetalLB announces b on every interface, so no single one is written
        assertThat(spec(r.pools().get(1))).doesNotContainKey("interface").doesNotContainKey("nodeSelector");
        assertThat(spec(r.pools().get(0))).containsEntry("addresses", List.of("198.51.100.0-198.51.100.15"));
    }

    @Test
    void bgpAdvertisementBecomesAnnounceBgpAndPeersAreNamedAsLeftOut() {
        ImportResult r = MetalLbImport.convert(List.of(pool("bgp-pool", "addresses", List.of("203.0.113.0/28")),
                obj("BGPAdvertisement", "adv", m("ipAddressPools", List.of("bgp-pool"), "communities", List.of("64512:100"), "localPref", 100)),
                obj("BGPPeer", "router", m("peerAddress", "192.0.2.1", "peerASN", 64512, "myASN", 64513))));
        assertThat(spec(r.pools().get(0))).containsEntry("announce", "bgp")
                .containsEntry("bgp", m("communities", List.of("64512:100"), "localPref", 100L));
        assertThat(r.leftOut()).singleElement().asString().startsWith("BGPPeer router: BGP peers are not part of a VipPool")
                .contains("192.0.2.1", "64512", "64513");
        assertThat(r.exitCode()).isEqualTo(3);
    }

    @Test
    void whatAVipPoolCannotMeanIsLeftOutWithAReasonNotWidened() {
        ImportResult r = MetalLbImport.convert(List.of(
                pool("two-ns-selectors", "addresses", List.of("198.51.100.0/28"), "serviceAllocation",
                        m("namespaceSelectors", List.of(m("matchLabels", m("a", "1")), m("matchLabels", m("b", "2"))))),
                pool("two-node-selectors", "addresses", List.of("198.51.100.16/28")),
                pool("two-interfaces", "addresses", List.of("198.51.100.32/28")),
                pool("l2-and-bgp", "addresses", List.of("198.51.100.48/28")),
                pool("large-community", "addresses", List.of("198.51.100.64/28")),
                pool("aggregated", "addresses", List.of("198.51.100.80/28")),
                pool("unannounced", "addresses", List.of("198.51.100.96/28")),
                pool("dotted.name", "addresses", List.of("198.51.100.112/28")),
                l2("n1", "ipAddressPools", List.of("two-node-selectors"), "nodeSelectors", List.of(m("matchLabels", m("rack", "r1")))),
                l2("n2", "ipAddressPools", List.of("two-node-selectors"), "nodeSelectors", List.of(m("matchLabels", m("rack", "r2")))),
                l2("i", "ipAddressPools", List.of("two-interfaces", "l2-and-bgp", "dotted.name", "gone"), "interfaces", List.of("eth1", "eth2")),
                obj("BGPAdvertisement", "b", m("ipAddressPools", List.of("l2-and-bgp"))),
                obj("BGPAdvertisement", "large", m("ipAddressPools", List.of("large-community"), "communities", List.of("large:64512:1:2"))),
                obj("BGPAdvertisement", "agg", m("ipAddressPools", List.of("aggregated"), "aggregationLength", 24))));
        assertThat(r.errors()).isEmpty();
        assertThat(r.pools()).extracting(ImportedPool::name).containsExactly("unannounced");
        assertThat(r.leftOut()).anySatisfy(l -> assertThat(l).startsWith("IPAddressPool two-ns-selectors: serviceAllocation.namespaceSelectors has 2"))
                .anySatisfy(l -> assertThat(l).startsWith("IPAddressPool two-node-selectors: its advertisements (L2Advertisement n1, L2Advertisement n2)"))
                .anySatisfy(l -> assertThat(l).startsWith("IPAddressPool two-interfaces: announced on 2 interfaces"))
                .anySatisfy(l -> assertThat(l).startsWith("IPAddressPool l2-and-bgp: announced both by L2"))
                .anySatisfy(l -> assertThat(l).contains("large-community", "large:64512:1:2"))
                .anySatisfy(l -> assertThat(l).contains("aggregated", "aggregationLength 24/128"))
                .anySatisfy(l -> assertThat(l).startsWith("IPAddressPool unannounced: no L2Advertisement or BGPAdvertisement"))
                .anySatisfy(l -> assertThat(l).startsWith("IPAddressPool dotted.name: VipPool names are DNS labels"))
                .anySatisfy(l -> assertThat(l).isEqualTo("L2Advertisement i: names IPAddressPool gone, which is not in the input"));
        assertThat(r.exitCode()).isEqualTo(3);
    }

    @Test
    void hostileInputIsRefusedNamingTheObjectFieldAndValue() {
        ImportResult r = MetalLbImport.convert(List.of(
                pool("bad-cidr", "addresses", List.of("198.51.100.0/33")),
                pool("bad\nname", "addresses", List.of("198.51.100.0/28")),
                pool("bad-flag", "addresses", List.of("198.51.100.16/28"), "autoAssign", "yes"),
                pool("bad-ns", "addresses", List.of("198.51.100.32/28"), "serviceAllocation", m("namespaces", List.of("Team A"))),
                pool("bad-selector", "addresses", List.of("198.51.100.48/28"), "serviceAllocation",
                        m("serviceSelectors", List.of(m("matchExpressions", List.of(m("key", "tier", "operator", "Maybe", "values", List.of("x")))))) ),
                l2("bad-iface", "interfaces", List.of("eth0;reboot")),
                "just text",
                pool("overlap-a", "addresses", List.of("203.0.113.0/28")),
                pool("overlap-b", "addresses", List.of("203.0.113.8-203.0.113.20"))));
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.errors()).anySatisfy(e -> assertThat(e).startsWith("IPAddressPool bad-cidr.spec.addresses[0]: ").contains("198.51.100.0/33"))
                .anySatisfy(e -> assertThat(e).isEqualTo("IPAddressPool \"bad\\u000aname\": not an object name"))
                .anySatisfy(e -> assertThat(e).isEqualTo("IPAddressPool bad-flag.spec.autoAssign: not true or false: \"yes\""))
                .anySatisfy(e -> assertThat(e).contains("bad-ns.spec.serviceAllocation.namespaces", "\"Team A\""))
                .anySatisfy(e -> assertThat(e).contains("bad-selector", "operator", "\"Maybe\""))
                .anySatisfy(e -> assertThat(e).contains("L2Advertisement bad-iface.spec.interfaces", "eth0;reboot"))
                .anySatisfy(e -> assertThat(e).isEqualTo("document 6: not a Kubernetes object (a mapping)"))
                .anySatisfy(e -> assertThat(e).isEqualTo("IPAddressPool overlap-b: shares addresses with IPAddressPool overlap-a (MetalLB refuses this too)"));
    }

    @Test
    @Timeout(5)
    void hugeRangesAreConvertedWithoutCountingTheirAddresses() {
        ImportResult r = MetalLbImport.convert(List.of(pool("everything", "addresses", List.of("0.0.0.0/0", "::/0", "2001:db8::/32")),
                l2("all")));
        assertThat(r.errors()).isEmpty();
        assertThat(spec(r.pools().get(0))).containsEntry("addresses", List.of("0.0.0.0-255.255.255.255", "::/0"));
    }

    @Test
    void listsAndForeignObjects() {
        ImportResult r = MetalLbImport.convert(List.of(m("apiVersion", "v1", "kind", "List", "items", List.of(
                pool("a", "addresses", List.of("198.51.100.0/28")), l2("a"))),
                m("apiVersion", "v1", "kind", "ConfigMap", "metadata", m("name", "config", "namespace", "metallb-system"),
                        "data", m("config", "address-pools: []")),
                m("apiVersion", "apps/v1", "kind", "Deployment", "metadata", m("name", "controller"))));
        assertThat(r.pools()).extracting(ImportedPool::name).containsExactly("a");
        assertThat(r.leftOut()).containsExactly(
                "ConfigMap config: MetalLB's configuration format before v0.13 has no importer here; convert it to custom resources first (MetalLB's configmaptocrs tool) and import those",
                "Deployment controller: not a MetalLB object (apiVersion \"apps/v1\"), ignored");
    }
}
