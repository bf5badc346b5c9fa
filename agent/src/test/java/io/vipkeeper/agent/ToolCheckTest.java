package io.vipkeeper.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.vipkeeper.core.agent.AgentSettings;
import io.vipkeeper.core.agent.Dataplane;
import io.vipkeeper.core.agent.InterfaceName;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.render.KeepalivedConfig;
import io.vipkeeper.core.viptable.VipConfigMapCodec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every golden file is accepted by the real tool: keepalived -t, nft -c, haproxy -c (exit 0), conntrackd starts. */
class ToolCheckTest {

    static List<Path> golden(String suffix) throws IOException {
        try (Stream<Path> s = Files.list(GoldenTest.GOLDEN)) {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
        }
    }

    @Test
    void keepalivedAcceptsEveryGoldenConfig() throws IOException {
        RootTools.require("keepalived -t on the golden files", "ip", "keepalived");
        List<Path> files = golden("keepalived.conf");
        assertThat(files).hasSizeGreaterThan(5);
        try (NetnsTools ns = new NetnsTools()) {
            for (Path f : files) {
                NetnsTools.Result r = ns.inNs("keepalived", "-t", "-f", f.toAbsolutePath().toString());
                assertThat(r.code()).as("keepalived -t -f %s:%n%s", f, r.output()).isZero();
            }
        }
    }

    @Test
    void nftAcceptsEveryGoldenScript() throws IOException {
        RootTools.require("nft -c on the golden scripts", "ip", "nft");
        List<Path> files = golden(".nft");
        assertThat(files).isNotEmpty();
        try (NetnsTools ns = new NetnsTools()) {
            for (Path f : files) {
                NetnsTools.Result r = ns.inNs("nft", "-c", "-f", f.toAbsolutePath().toString());
                assertThat(r.code()).as("nft -c -f %s:%n%s", f, r.output()).isZero();
            }
        }
    }

    @Test
    void haproxyAcceptsEveryGoldenConfig() throws IOException {
        RootTools.requireTools("haproxy -c on the golden files", "haproxy");
        List<Path> files = golden("haproxy.cfg");
        assertThat(files).isNotEmpty();
        for (Path f : files) {
            NetnsTools.Result r = NetnsTools.run(List.of("haproxy", "-c", "-f", f.toAbsolutePath().toString()));
            assertThat(r.code()).as("haproxy -c -f %s:%n%s", f, r.output()).isZero();
        }
    }

    @Test
    void conntrackdStartsWithEveryGoldenConfig() throws IOException {
        RootTools.require("conntrackd started on the golden files", "ip", "conntrackd");
        List<Path> files = golden("conntrackd.conf");
        assertThat(files).hasSizeGreaterThanOrEqualTo(2);
        for (Path f : files) {
            try (NetnsTools ns = new NetnsTools()) {
                NetnsTools.Result r = ConntrackdCheck.starts(ns, Files.readString(f));
                assertThat(r.code()).as("conntrackd -C %s:%n%s", f, r.output()).isZero();
            }
        }
    }

    /** Thousands of VIPs in one instance: more than one advert can carry, so the rest are held unadvertised. */
    @Test
    void keepalivedAcceptsAnInstanceWithThousandsOfVips() throws IOException {
        RootTools.require("keepalived -t on an instance with thousands of VIPs", "ip", "keepalived");
        var data = new TreeMap<String, String>();
        for (int i = 1; i <= 254; i++) {
            data.put("203.0.113." + i, "");
        }
        for (int i = 1; i <= 2000; i++) {
            data.put(VipConfigMapCodec.encodeKey(IpAddress.parse("2001:db8::" + Integer.toHexString(i))), "");
        }
        var cm = new ConfigMapBuilder().withNewMetadata().withNamespace("kube-system").withName("vips")
                .endMetadata().withData(data).build();
        var node = new NodeBuilder().withNewMetadata().withName("n1").endMetadata().withNewStatus()
                .addNewAddress().withType("InternalIP").withAddress("192.0.2.11").endAddress().endStatus().build();
        var plan = AgentPipeline.plan(new ClusterObjects(List.of(cm), List.of(), List.of(), List.of(), List.of(node), List.of()),
                null, "n1", null, AgentSettings.builder(InterfaceName.parse("eth0"))
                        .dataplane(Dataplane.NFTABLES).build());
        String conf = KeepalivedConfig.render(plan);
        assertThat(conf).contains("virtual_ipaddress_excluded");
        Path f = Files.createTempFile("vk-many-", ".conf");
        try (NetnsTools ns = new NetnsTools()) {
            Files.writeString(f, conf);
            NetnsTools.Result r = ns.inNs("keepalived", "-t", "-f", f.toString());
            assertThat(r.code()).as("keepalived -t:%n%s", r.output()).isZero();
        } finally {
            Files.deleteIfExists(f);
        }
    }

    /**
     * The ipvs data plane's sync daemon line (golden mixed-ipvs-sync-keepalived.conf) is checked by keepalived too:
     * accepted as rendered, refused with a sync id out of range, so the check above can fail on that line.
     */
    @Test
    void keepalivedChecksTheLvsSyncDaemonLine() throws IOException {
        RootTools.require("keepalived -t on lvs_sync_daemon", "ip", "keepalived");
        String conf = Files.readString(GoldenTest.GOLDEN.resolve("mixed-ipvs-sync-keepalived.conf"));
        assertThat(conf).contains("\n  lvs_sync_daemon eth1 vips id 50\n");
        Path good = Files.createTempFile("vk-lvs-sync-", ".conf");
        Path bad = Files.createTempFile("vk-lvs-sync-bad-", ".conf");
        try (NetnsTools ns = new NetnsTools()) {
            Files.writeString(good, conf);
            Files.writeString(bad, conf.replace("lvs_sync_daemon eth1 vips id 50", "lvs_sync_daemon eth1 vips id 256"));
            NetnsTools.Result ok = ns.inNs("keepalived", "-t", "-f", good.toString());
            assertThat(ok.code()).as("keepalived -t:%n%s", ok.output()).isZero();
            NetnsTools.Result refused = ns.inNs("keepalived", "-t", "-f", bad.toString());
            assertThat(refused.code()).as("keepalived -t with sync id 256:%n%s", refused.output()).isNotZero();
        } finally {
            Files.deleteIfExists(good);
            Files.deleteIfExists(bad);
        }
    }
}
