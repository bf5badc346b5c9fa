package io.vipkeeper.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RenderCommandTest {

    /** As the running agent: an invalid object is left out and reported, the rest rendered; exit 0 (--strict: 1). */
    @Test
    void anInvalidObjectIsLeftOutAndReportedAndTheRestRendered() {
        String[] r = GoldenTest.render(GoldenTest.args("--objects bad-service.yaml --node node-a"));
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        assertThat(r[2]).contains("# Service web/front: spec.ports[0].protocol: unknown protocol \"TCPX\"",
                "# SERVICE_MISSING 192.0.2.10: Service web/front not found");
        assertThat(r[1]).contains("    192.0.2.10\n"); // the VIP is held, as the agent would

        r = GoldenTest.render(GoldenTest.args("--objects bad-service.yaml --node node-a --strict"));
        assertThat(r[0]).isEqualTo("1");
        assertThat(r[1]).isEmpty();
        assertThat(r[2]).contains("# Service web/front: spec.ports[0].protocol: unknown protocol \"TCPX\"", "(--strict)");
    }

    @Test
    void strictRefusesARefusedEntryAndAcceptsWhatIsOnlyReported() {
        String[] r = GoldenTest.render(GoldenTest.args("--objects mixed.yaml --services-configmap vipkeeper/vips --node node-a --strict"));
        assertThat(r[0]).isEqualTo("1");
        assertThat(r[2]).contains("# ENTRY_REFUSED \"not-an-ip\"");
        r = GoldenTest.render(GoldenTest.args("--objects seed000.yaml --node node2 --strict"));
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        assertThat(r[1]).contains("105.156.51.70");
    }

    /** A value fabric8 cannot even read (an int field of 99999999999) names the object and the field. */
    @Test
    void anUnreadableObjectNamesItsField() throws IOException {
        Path objects = Files.createTempFile("vk-render-", ".yaml");
        try {
            Files.writeString(objects, Files.readString(GoldenTest.RESOURCES.resolve("objects/seed000.yaml"))
                    .replaceFirst("- port: 80", "- port: 99999999999"));
            String[] r = GoldenTest.render(List.of("--objects", objects.toString(), "--node", "node2"));
            assertThat(r[0]).as(r[2]).isEqualTo("0");
            assertThat(r[2]).doesNotContain("An error has occurred")
                    .containsPattern("# Service default/my-service: spec.ports\\[0]\\.port: .*99999999999.*out of range");
            assertThat(r[1]).contains("105.156.51.71 80"); // the other Service is still served
        } finally {
            Files.deleteIfExists(objects);
        }
    }

    /** render reads the pool-placement annotation and the Nodes' labels as the agent does. */
    @Test
    void renderHonoursThePoolPlacementAndNodeLabels() throws IOException {
        Path objects = Files.createTempFile("vk-render-", ".yaml");
        try {
            Files.writeString(objects, """
                    apiVersion: v1
                    kind: ConfigMap
                    metadata:
                      name: vip-configmap
                      namespace: kube-system
                      annotations:
                        vipkeeper.io/pool-placement: '{"edge":{"addresses":["198.51.100.0/28"],"interface":"eth1"},"far":{"addresses":["203.0.113.0/28"],"nodeSelector":{"matchLabels":{"rack":"r2"}}}}'
                    data:
                      192.0.2.10: ""
                      198.51.100.5: ""
                      203.0.113.5: ""
                    ---
                    apiVersion: v1
                    kind: Node
                    metadata:
                      name: node-a
                      labels: {rack: r1}
                    status:
                      addresses: [{type: InternalIP, address: 192.0.2.11}]
                    """);
            String[] r = GoldenTest.render(List.of("--objects", objects.toString(), "--node", "node-a"));
            assertThat(r[0]).as(r[2]).isEqualTo("0");
            assertThat(r[1]).contains("vrrp_instance vips_edge {\n  state BACKUP\n  interface eth1\n", "    198.51.100.5\n",
                    "    192.0.2.10\n").doesNotContain("203.0.113.5");
            assertThat(r[2]).contains("# NOT_HELD 203.0.113.5: pool far's nodeSelector does not match this node's labels");

            Files.writeString(objects, Files.readString(objects).replace("\"eth1\"", "\"eth1;x\""));
            r = GoldenTest.render(List.of("--objects", objects.toString(), "--node", "node-a", "--strict"));
            assertThat(r[0]).isEqualTo("1");
            assertThat(r[2]).contains("# ENTRY_REFUSED \"vipkeeper.io/pool-placement\": vipkeeper.io/pool-placement: pool \"edge\"");
        } finally {
            Files.deleteIfExists(objects);
        }
    }

    /** --what bird: the pool placement's BGP VIPs as BIRD would announce them, and no VRRP instance holds them. */
    @Test
    void birdAnnouncesTheBgpPoolsVipsAndKeepalivedNoLongerHoldsThem(@TempDir Path dir) throws IOException {
        Path objects = dir.resolve("routed.yaml");
        Files.writeString(objects, Files.readString(GoldenTest.RESOURCES.resolve("objects/mixed.yaml")).replaceFirst(
                "  name: vips\n  namespace: vipkeeper\n", "  name: vips\n  namespace: vipkeeper\n  annotations:\n"
                + "    vipkeeper.io/pool-placement: '{\"routed\":{\"addresses\":[\"192.0.2.10-192.0.2.11\"],\"announce\":\"bgp\","
                + "\"communities\":[\"64512:7\"]}}'\n"));
        List<String> base = List.of("--objects", objects.toString(), "--services-configmap", "vipkeeper/vips", "--node", "node-a",
                "--bgp-peer", "address=192.0.2.1,asn=65000,local-asn=65100", "--bgp-router-id", "192.0.2.250");
        List<String> bird = new ArrayList<>(base);
        bird.addAll(List.of("--what", "bird"));
        String[] r = GoldenTest.render(bird);
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        assertThat(r[1]).contains("router id 192.0.2.250;", "  route 192.0.2.10/32 blackhole { bgp_community.add((64512,7)); };",
                "  route 192.0.2.11/32 blackhole { bgp_community.add((64512,7)); };", "protocol bgp peer_192_0_2_1 {",
                "192.0.2.10/31{32,32}").doesNotContain("192.0.2.12/32");
        r = GoldenTest.render(base);
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        assertThat(r[1]).contains("    192.0.2.12\n").doesNotContain("    192.0.2.10\n", "    192.0.2.11\n");
        // without the placement, --announce bgp takes every VIP
        List<String> all = new ArrayList<>(bird);
        all.set(1, GoldenTest.RESOURCES.resolve("objects/mixed.yaml").toString());
        all.addAll(List.of("--announce", "bgp"));
        r = GoldenTest.render(all);
        assertThat(r[1]).contains("  route 192.0.2.12/32 blackhole;", "  route 2001:db8::10/128 blackhole;");
    }

    @Test
    void unknownNodeExitsOneAndBadFlagsExitTwo() {
        String[] r = GoldenTest.render(GoldenTest.args("--objects seed000.yaml --node nowhere"));
        assertThat(r[0]).isEqualTo("1");
        assertThat(r[2]).contains("node nowhere is not among the Nodes");
        r = GoldenTest.render(GoldenTest.args("--objects seed000.yaml --node node2 --vrrp-version 2 --advert-interval 0.1"));
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).contains("whole seconds");
        r = GoldenTest.render(GoldenTest.args("--objects seed000.yaml --node node2 --iface eth0;x"));
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).contains("--iface: not a valid interface name");
    }

    static final String HUGE_PORT = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: default\n"
            + "spec:\n  ports:\n  - port: 99999999999";

    /** A Service with a port beyond int: alone, in a List, and as JSON. */
    @ParameterizedTest
    @ValueSource(strings = {HUGE_PORT, "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata:\n"
            + "    name: web\n  spec:\n    ports:\n    - port: 99999999999",
        "{\"apiVersion\": \"v1\", \"kind\": \"Service\", \"metadata\": {\"name\": \"web\"}, \"spec\": {\"ports\": [{\"port\": 99999999999}]}}"})
    void aNumberOutOfRangeIsNamedWithItsField(String objects, @TempDir Path dir) throws Exception {
        Path f = dir.resolve("huge-port.yaml");
        Files.writeString(f, objects + "\n");
        Path cm = dir.resolve("configmap.yaml");
        Files.writeString(cm, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: vip-configmap\n  namespace: kube-system\n");
        String[] r = GoldenTest.render(List.of("--objects", f.toString(), "--objects", cm.toString(), "--node", "node-a",
                "--node-ip", "192.0.2.11"));
        assertThat(r[0]).isEqualTo("0"); // left out, as the agent leaves it out
        assertThat(r[2].strip().lines()).hasSize(1);
        assertThat(r[2]).startsWith("# Service ").contains("spec.ports[0].port: ").contains("99999999999").contains("out of range")
                .doesNotContain("An error has occurred").doesNotContain("java.lang");
    }

    @Test
    void refusedEntriesAreReportedOnStderrAndTheRestRendered() {
        String[] r = GoldenTest.render(GoldenTest.args("--objects mixed.yaml --services-configmap vipkeeper/vips --node node-a"));
        assertThat(r[0]).isEqualTo("0");
        assertThat(r[2]).contains("# ENTRY_REFUSED \"not-an-ip\"", "# SERVICE_MISSING 192.0.2.13");
        assertThat(r[1]).contains("    192.0.2.13\n"); // a VIP whose Service is missing is still held
    }

    /** A ConfigMap's name is a DNS subdomain: the agent takes a dotted one, as the controller does. */
    @Test
    void aDottedConfigMapNameIsAccepted() throws IOException {
        Path objects = Files.createTempFile("vk-render-", ".yaml");
        try {
            Files.writeString(objects, Files.readString(GoldenTest.RESOURCES.resolve("objects/seed000.yaml"))
                    .replace("name: vip-configmap", "name: vip.configmap-v2"));
            String[] r = GoldenTest.render(List.of("--objects", objects.toString(), "--node", "node2",
                    "--services-configmap", "kube-system/vip.configmap-v2"));
            assertThat(r[0]).as(r[2]).isEqualTo("0");
            assertThat(r[1]).contains("105.156.51.70");
        } finally {
            Files.deleteIfExists(objects);
        }
    }

    /** A hand-written entry is not trusted: special addresses and Node addresses are refused, the rest rendered. */
    @Test
    void entriesNamingSpecialOrNodeAddressesAreRefusedAndNotRendered() throws IOException {
        Path objects = Files.createTempFile("vk-render-", ".yaml");
        try {
            Files.writeString(objects, """
                    apiVersion: v1
                    kind: ConfigMap
                    metadata: {namespace: kube-system, name: vip-configmap}
                    data: {"127.0.0.1": "", "0.0.0.0": "", "224.0.0.18": "", "192.0.2.12": "", "192.0.2.240": ""}
                    ---
                    apiVersion: v1
                    kind: Node
                    metadata: {name: node-a}
                    status: {addresses: [{type: InternalIP, address: 192.0.2.11}]}
                    ---
                    apiVersion: v1
                    kind: Node
                    metadata: {name: node-b}
                    status: {addresses: [{type: InternalIP, address: 192.0.2.12}]}
                    """);
            for (String what : List.of("keepalived", "nftables")) {
                String[] r = GoldenTest.render(List.of("--objects", objects.toString(), "--node", "node-a", "--dataplane", "nftables",
                        "--what", what));
                assertThat(r[0]).as(r[2]).isEqualTo("0");
                assertThat(r[1]).doesNotContain("127.0.0.1", "0.0.0.0", "224.0.0.18", "192.0.2.12");
                assertThat(r[2]).contains("# ENTRY_REFUSED 127.0.0.1: 127.0.0.1 is a loopback address: not held",
                        "# ENTRY_REFUSED 0.0.0.0: 0.0.0.0 is the unspecified address: not held",
                        "# ENTRY_REFUSED 224.0.0.18: 224.0.0.18 is a multicast address: not held",
                        "# ENTRY_REFUSED 192.0.2.12: 192.0.2.12 is the address of Node node-b: not held");
            }
            String[] r = GoldenTest.render(List.of("--objects", objects.toString(), "--node", "node-a"));
            assertThat(r[1]).contains("    192.0.2.240\n");
        } finally {
            Files.deleteIfExists(objects);
        }
    }

    @Test
    void twoConfigMapsNeedTheFlag() {
        String[] r = GoldenTest.render(List.of("--objects", "src/test/resources/objects/mixed.yaml", "--node", "node-a"));
        assertThat(r[0]).isEqualTo("1");
        assertThat(r[2]).contains("--services-configmap");
    }
}
