package io.vipkeeper.core.viptable;

import static org.assertj.core.api.Assertions.assertThat;

import io.vipkeeper.core.names.ServiceRef;
import io.vipkeeper.core.net.IpAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class VipConfigMapCodecTest {

    @Test
    void readsTheSeedsConfigMaps() {
        VipConfigMapCodec.Decoded d = VipConfigMapCodec.decode(Map.of(
                "105.156.51.70", "default/my-service",
                "172.16.40.33", "",
                "10.4.0.50", "kube-system/ingress:DR",
                "10.4.0.51", "default/proxied:PROXY"));
        assertThat(d.rejected()).isEmpty();
        VipEntry seed = d.table().entries().get(IpAddress.parse("105.156.51.70"));
        assertThat(seed.targets()).containsExactly(new VipTarget(new ServiceRef("default", "my-service"), ForwardMethod.NAT));
        assertThat(d.table().entries().get(IpAddress.parse("172.16.40.33")).vipOnly()).isTrue();
        assertThat(d.table().entries().get(IpAddress.parse("10.4.0.50")).targets().get(0).method()).isEqualTo(ForwardMethod.DR);
    }

    @Test
    void writesWhatTheSeedAgentReads() {
        VipTable t = VipTable.of(List.of(
                new VipEntry(IpAddress.parse("192.0.2.201"), List.of(new VipTarget(ServiceRef.parse("default/web"), ForwardMethod.NAT))),
                new VipEntry(IpAddress.parse("192.0.2.202"), List.of(new VipTarget(ServiceRef.parse("default/db"), ForwardMethod.DR))),
                new VipEntry(IpAddress.parse("2001:db8::10"), List.of(
                        new VipTarget(ServiceRef.parse("b/x"), ForwardMethod.NAT), new VipTarget(ServiceRef.parse("a/y"), ForwardMethod.NAT)))));
        Map<String, String> data = VipConfigMapCodec.encode(t);
        assertThat(data).containsEntry("192.0.2.201", "default/web")
                .containsEntry("192.0.2.202", "default/db:DR")
                .containsEntry("2001-db8--10", "a/y,b/x");
        assertThat(VipConfigMapCodec.decode(data).table()).isEqualTo(t);
    }

    @Test
    void ipv6KeysAreReversibleAndCanonicalOnly() {
        for (String s : List.of("2001:db8::1", "::", "::1", "2001:db8:1:2:3:4:5:6", "::ffff:c000:201")) {
            IpAddress a = IpAddress.parse(s);
            String key = VipConfigMapCodec.encodeKey(a);
            assertThat(key).matches("[-._a-zA-Z0-9]+");
            assertThat(VipConfigMapCodec.decodeKey(key)).isEqualTo(a);
        }
        assertThat(VipConfigMapCodec.decodeKey("2001-0db8--1")).isNull();
        assertThat(VipConfigMapCodec.decodeKey("2001:db8::1")).isNull();
    }

    @Test
    void garbageIsRejectedEntryByEntry() {
        VipConfigMapCodec.Decoded d = VipConfigMapCodec.decode(Map.of(
                "192.0.2.1", "default/ok",
                "not-an-ip", "default/x",
                "192.0.2.2", "default/x:NATTY",
                "192.0.2.3", "default/x; rm -rf /",
                "192.0.2.4", "Default/X",
                "192.0.2.5", "default/ok\nvirtual_server 1.2.3.4 80 {"));
        assertThat(d.table().size()).isEqualTo(1);
        assertThat(d.rejected()).extracting(VipConfigMapCodec.Rejected::key)
                .containsExactlyInAnyOrder("not-an-ip", "192.0.2.2", "192.0.2.3", "192.0.2.4", "192.0.2.5");
        assertThat(d.rejected()).allSatisfy(r -> assertThat(r.reason()).doesNotContain("\n"));
    }

    @Test
    void mergeKeepsForeignEntriesAndAdoptsIdenticalOnes() {
        Map<String, String> current = Map.of(
                "172.16.40.33", "",                 // hand-written VIP-only entry
                "192.0.2.9", "default/legacy:NAT",  // written by the original controller
                "192.0.2.7", "default/gone",        // ours, no longer wanted
                "junk key", "whatever");
        Map<IpAddress, VipEntry> desired = Map.of(
                IpAddress.parse("192.0.2.9"), new VipEntry(IpAddress.parse("192.0.2.9"),
                        List.of(new VipTarget(ServiceRef.parse("default/legacy"), ForwardMethod.NAT))),
                IpAddress.parse("192.0.2.10"), new VipEntry(IpAddress.parse("192.0.2.10"),
                        List.of(new VipTarget(ServiceRef.parse("default/web"), ForwardMethod.NAT))));
        ConfigMapMerge.Result r = ConfigMapMerge.merge(current, Set.of("192.0.2.7"), desired);
        assertThat(r.data()).containsOnly(
                Map.entry("172.16.40.33", ""),
                Map.entry("192.0.2.9", "default/legacy"),
                Map.entry("192.0.2.10", "default/web"),
                Map.entry("junk key", "whatever"));
        assertThat(r.owned()).containsExactlyInAnyOrder("192.0.2.9", "192.0.2.10");
        assertThat(r.takenOver()).containsExactly(new ConfigMapMerge.Takeover("192.0.2.9", "default/legacy:NAT", "default/legacy", false));
    }

    /** The original controller ran with another default method: the entry is taken over, the change is reported. */
    @Test
    void takingOverAnEntryWithAnotherMethodIsReported() {
        Map<IpAddress, VipEntry> desired = webByNatOn("192.0.2.9");
        ConfigMapMerge.Result r = ConfigMapMerge.merge(Map.of("192.0.2.9", "default/web:DR"), Set.of(), desired);
        assertThat(r.data()).containsOnly(Map.entry("192.0.2.9", "default/web"));
        assertThat(r.takenOver()).containsExactly(new ConfigMapMerge.Takeover("192.0.2.9", "default/web:DR", "default/web", true));
        // once owned, it is no takeover any more
        assertThat(ConfigMapMerge.merge(r.data(), r.owned(), desired).takenOver()).isEmpty();
    }

    @Test
    void mergeNeverOverwritesADifferentForeignEntry() {
        Map<IpAddress, VipEntry> desired = webByNatOn("192.0.2.9");
        ConfigMapMerge.Result r = ConfigMapMerge.merge(Map.of("192.0.2.9", "other/thing"), Set.of(), desired);
        assertThat(r.data()).containsOnly(Map.entry("192.0.2.9", "other/thing"));
        assertThat(r.owned()).isEmpty();
        assertThat(r.takenOver()).isEmpty();
    }

    /** The controller's table: default/web by NAT on {@code ip}. */
    static Map<IpAddress, VipEntry> webByNatOn(String ip) {
        return Map.of(IpAddress.parse(ip), new VipEntry(IpAddress.parse(ip), List.of(new VipTarget(ServiceRef.parse("default/web"), ForwardMethod.NAT))));
    }
}
