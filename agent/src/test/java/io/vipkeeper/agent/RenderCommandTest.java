package io.vipkeeper.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class RenderCommandTest {

    @Test
    void invalidObjectExitsNonZeroNamingObjectAndField() {
        String[] r = GoldenTest.render(GoldenTest.args("--objects bad-service.yaml --node node-a"));
        assertThat(r[0]).isEqualTo("1");
        assertThat(r[1]).isEmpty();
        assertThat(r[2]).contains("Service web/front: spec.ports[0].protocol: unknown protocol \"TCPX\"");
    }

    @Test
    void unknownNodeAndBadFlagsExitNonZero() {
        assertThat(GoldenTest.render(GoldenTest.args("--objects seed000.yaml --node nowhere"))[2])
                .contains("node nowhere is not among the Nodes");
        String[] r = GoldenTest.render(GoldenTest.args("--objects seed000.yaml --node node2 --vrrp-version 2 --advert-interval 0.1"));
        assertThat(r[0]).isEqualTo("1");
        assertThat(r[2]).contains("whole seconds");
        r = GoldenTest.render(GoldenTest.args("--objects seed000.yaml --node node2 --iface eth0;x"));
        assertThat(r[0]).isEqualTo("1");
        assertThat(r[2]).contains("--iface: not a valid interface name");
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
