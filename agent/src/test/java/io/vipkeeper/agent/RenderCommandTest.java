package io.vipkeeper.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RenderCommandTest {

    @Test
    void invalidObjectExitsNonZeroNamingObjectAndField() {
        String[] r = GoldenTest.render(GoldenTest.args("--objects bad-service.yaml --node node-a"));
        assertThat(r[0]).isEqualTo("1");
        assertThat(r[1]).isEmpty();
        assertThat(r[2]).contains("Service web/front: spec.ports[0].protocol: unknown protocol \"TCPX\"");
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
        String[] r = GoldenTest.render(List.of("--objects", f.toString(), "--node", "node-a"));
        assertThat(r[0]).isEqualTo("1");
        assertThat(r[2].strip().lines()).hasSize(1);
        assertThat(r[2]).contains("spec.ports[0].port: ").contains("99999999999").contains("out of range")
                .doesNotContain("An error has occurred").doesNotContain("java.lang");
    }

    @Test
    void refusedEntriesAreReportedOnStderrAndTheRestRendered() {
        String[] r = GoldenTest.render(GoldenTest.args("--objects mixed.yaml --services-configmap vipkeeper/vips --node node-a"));
        assertThat(r[0]).isEqualTo("0");
        assertThat(r[2]).contains("# ENTRY_REFUSED \"not-an-ip\"", "# SERVICE_MISSING 192.0.2.13");
        assertThat(r[1]).contains("    192.0.2.13\n"); // a VIP whose Service is missing is still held
    }

    @Test
    void twoConfigMapsNeedTheFlag() {
        String[] r = GoldenTest.render(List.of("--objects", "src/test/resources/objects/mixed.yaml", "--node", "node-a"));
        assertThat(r[0]).isEqualTo("1");
        assertThat(r[2]).contains("--services-configmap");
    }
}
