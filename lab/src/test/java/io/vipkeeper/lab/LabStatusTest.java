package io.vipkeeper.lab;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code lab status} prints each VIP's holders from the Services' vip-holders annotations; hostile text is not echoed. */
class LabStatusTest {

    static Service svc(String name, String holders) {
        return new ServiceBuilder().withNewMetadata().withNamespace("default").withName(name)
                .addToAnnotations(LabStatus.VIP_HOLDERS, holders).endMetadata().build();
    }

    @Test
    void printsOneLinePerVipWithMasterSinceAndBackups() {
        StringWriter w = new StringWriter();
        LabStatus.holders(new PrintWriter(w, true), List.of(
                svc("hello", "{\"192.0.2.241\":{\"master\":\"vk-node2\",\"priority\":229,\"backups\":[{\"node\":\"vk-node3\",\"priority\":254},"
                        + "{\"node\":\"vk-node1\",\"priority\":204}],\"since\":\"2026-12-02T00:41:07.123Z\",\"masterDownSeconds\":0.311}}"),
                svc("evil", "{\"192.0.2.9\\u001b[2J\":{\"master\":\"x\\ny\"}}"), svc("junk", "not json")));
        String out = w.toString();
        assertThat(out).contains("192.0.2.241      default/hello              vk-node2 (229)     2026-12-02T00:41:07.123Z  "
                + "vk-node3 (254), vk-node1 (204)");
        assertThat(out).doesNotContain("\u001b", "x\ny").contains("x?y");
    }

    @Test
    void birdSessionFromShowProtocols() {
        String out = """
                BIRD 2.0.12 ready.
                Name       Proto      Table      State  Since         Info
                device1    Device     ---        up     2026-12-02 03:09:47 \s
                vips4      Static     master4    up     2026-12-02 03:09:47 \s
                bfd1       BFD        ---        up     2026-12-02 03:09:47 \s
                peer_198_51_100_254 BGP        ---        up     2026-12-02 03:09:50  Established  \s
                """;
        assertThat(LabStatus.birdSession(out)).isEqualTo("up Established");
        assertThat(LabStatus.birdSession(out.replace("up     2026-12-02 03:09:50  Established", "start  2026-12-02 03:09:50  Active "
                + "Socket: Connection refused"))).isEqualTo("start Active Socket: Connection refused");
        assertThat(LabStatus.birdSession("BIRD 2.0.12 ready.\n")).isEqualTo("(no BGP session)");
    }
}
