package io.vipkeeper.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every golden file is accepted by the real tool: keepalived -t, nft -c, haproxy -c (exit 0). */
class ToolCheckTest {

    static List<Path> golden(String suffix) throws IOException {
        try (Stream<Path> s = Files.list(GoldenTest.GOLDEN)) {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
        }
    }

    @Test
    void keepalivedAcceptsEveryGoldenConfig() throws IOException {
        assumeTrue(NetnsTools.usable() && Files.isExecutable(Path.of("/usr/sbin/keepalived")), "needs root and keepalived");
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
        assumeTrue(NetnsTools.usable() && Files.isExecutable(Path.of("/usr/sbin/nft")), "needs root and nft");
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
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/haproxy")), "needs haproxy");
        List<Path> files = golden("haproxy.cfg");
        assertThat(files).isNotEmpty();
        for (Path f : files) {
            NetnsTools.Result r = NetnsTools.run(List.of("haproxy", "-c", "-f", f.toAbsolutePath().toString()));
            assertThat(r.code()).as("haproxy -c -f %s:%n%s", f, r.output()).isZero();
        }
    }
}
