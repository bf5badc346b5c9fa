package io.vipkeeper.core.migrate;

import static io.vipkeeper.core.migrate.MetalLbImportTest.m;
import static io.vipkeeper.core.migrate.MetalLbImportTest.spec;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** kube-vip-cloud-provider's kubevip ConfigMap as VipPools, with kube-vip's own lookup order. */
class KubeVipImportTest {

    @Test
    void namespacePoolsAndTheGlobalOneForEveryOtherNamespace() {
        ImportResult r = KubeVipImport.convert(m("cidr-default", "192.0.2.200/29", "cidr-development", "198.51.100.0/29",
                "range-global", "203.0.113.10-203.0.113.20,2001:db8::10-2001:db8::20", "interface-default", "eth3"));
        assertThat(r.exitCode()).isZero();
        assertThat(r.pools()).extracting(ImportedPool::name).containsExactly("kubevip-default", "kubevip-development", "kubevip-global");
        // kube-vip hands out every address of a CIDR (without skip-end-ips-in-cidr): a range keeps them all
        assertThat(spec(r.pools().get(0))).containsEntry("addresses", List.of("192.0.2.200-192.0.2.207"))
                .containsEntry("serviceAllocation", m("namespaces", List.of("default"))).containsEntry("interface", "eth3");
        assertThat(spec(r.pools().get(2))).containsEntry("addresses", List.of("203.0.113.10-203.0.113.20", "2001:db8::10-2001:db8::20"))
                .containsEntry("serviceAllocation", m("namespaceSelector", m("matchExpressions", List.of(m("key", "kubernetes.io/metadata.name",
                        "operator", "NotIn", "values", List.of("default", "development"))))));
    }

    @Test
    void skipEndIpsLeavesOutTheEndsOfEachMergedIpv4Cidr() {
        ImportResult r = KubeVipImport.convert(m("cidr-global", "192.0.2.200/29,192.0.2.208/29,192.0.2.250/32,198.51.100.0/31,2001:db8::/126",
                "skip-end-ips-in-cidr", "true"));
        // .200/29 and .208/29 merge into .200-.215, which is .200/29 + .208/29 again as prefixes: each loses its ends
        assertThat(spec(r.pools().get(0))).containsEntry("addresses",
                List.of("192.0.2.200/29", "192.0.2.208/29", "192.0.2.250/32", "198.51.100.0/31", "2001:db8::/126"));
        ImportResult merged = KubeVipImport.convert(m("cidr-global", "192.0.2.0/25,192.0.2.128/25", "skip-end-ips-in-cidr", "true"));
        assertThat(spec(merged.pools().get(0))).containsEntry("addresses", List.of("192.0.2.0/24"));
    }

    @Test
    void whatKubeVipNeverReadsOrVipkeeperCannotDoIsNamed() {
        ImportResult r = KubeVipImport.convert(m("cidr-global", "192.0.2.0/28", "range-global", "192.0.2.100-192.0.2.110",
                "range-team", "198.51.100.10-198.51.100.20", "allow-share-team", true, "interface-team", "eth4",
                "search-order", "desc", "cidr-dhcp", "0.0.0.0/32", "colour", "blue", "allow-share-global", "false"));
        assertThat(r.errors()).isEmpty();
        assertThat(r.pools()).extracting(ImportedPool::name).containsExactly("kubevip-global");
        assertThat(r.leftOut()).anySatisfy(l -> assertThat(l).startsWith("range-team: never read by kube-vip, as cidr-global is set"))
                .anySatisfy(l -> assertThat(l).startsWith("range-global: never read by kube-vip, as cidr-global is set"))
                .anySatisfy(l -> assertThat(l).startsWith("allow-share-team: kube-vip puts Services on one address by itself"))
                .anySatisfy(l -> assertThat(l).startsWith("interface-team: namespace team takes its addresses from the global pool"))
                .anySatisfy(l -> assertThat(l).startsWith("search-order: desc"))
                .anySatisfy(l -> assertThat(l).startsWith("cidr-dhcp: 0.0.0.0/32 asks kube-vip to get addresses by DHCP"))
                .anySatisfy(l -> assertThat(l).startsWith("cidr-dhcp: no addresses left"))
                .anySatisfy(l -> assertThat(l).startsWith("data.colour: not a key"))
                .noneSatisfy(l -> assertThat(l).contains("allow-share-global"));
        assertThat(r.exitCode()).isEqualTo(3);
    }

    @Test
    void hostileValuesAreRefusedNamingTheKeyAndValue() {
        ImportResult r = KubeVipImport.convert(m("cidr-a", "198.51.100.0/33", "range-b", "198.51.100.20-198.51.100.10",
                "cidr-Bad_NS", "198.51.100.0/28", "cidr-x\ny", "198.51.100.0/28", "range-c", "198.51.100.0/28",
                "interface-global", "eth0 up", "allow-share-d", "maybe"));
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.errors()).anySatisfy(e -> assertThat(e).startsWith("cidr-a: ").contains("198.51.100.0/33"))
                .anySatisfy(e -> assertThat(e).startsWith("range-b: ").contains("ends before it starts"))
                .anySatisfy(e -> assertThat(e).contains("\"Bad_NS\" is neither global nor a namespace name"))
                .anySatisfy(e -> assertThat(e).contains("\"x\\u000ay\" is neither global"))
                .anySatisfy(e -> assertThat(e).isEqualTo("range-c: not a first-last range: \"198.51.100.0/28\""))
                .anySatisfy(e -> assertThat(e).startsWith("interface-global: not a valid interface name: \"eth0 up\""))
                .anySatisfy(e -> assertThat(e).isEqualTo("allow-share-d: not true or false: \"maybe\""));
    }

    @Test
    @Timeout(5)
    void hugeCidrsAreConvertedWithoutCountingTheirAddresses() {
        ImportResult r = KubeVipImport.convert(m("cidr-global", "0.0.0.0/0,2001:db8::/32", "skip-end-ips-in-cidr", "true"));
        assertThat(spec(r.pools().get(0))).containsEntry("addresses", List.of("0.0.0.0/0", "2001:db8::/32"));
        assertThat(KubeVipImport.prefixes(r.pools().get(0).ranges().get(0))).hasSizeLessThan(64);
    }

    @Test
    void overlappingNamespacePoolsAreNamed() {
        ImportResult r = KubeVipImport.convert(Map.of("cidr-a", "198.51.100.0/28", "cidr-b", "198.51.100.8/29"));
        assertThat(r.pools()).extracting(ImportedPool::name).containsExactly("kubevip-a");
        assertThat(r.leftOut()).singleElement().asString().startsWith("kubevip-b: shares addresses with kubevip-a");
    }
}
