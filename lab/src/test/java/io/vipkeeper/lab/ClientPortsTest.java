package io.vipkeeper.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ClientPortsTest {

    /** Every port of the range once before any comes back. */
    @Test
    void portsComeBackOnlyAfterTheWholeRange() {
        ClientPorts ports = new ClientPorts(40000, 40099);
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            assertThat(seen.add(ports.next())).as("port %d of the round", i).isTrue();
        }
        assertThat(seen).allMatch(p -> p >= 40000 && p <= 40099);
        assertThat(seen.add(ports.next())).as("the 101st comes back").isFalse();
    }

    /** A sysctl file read as sysctl reads it: Files.readString got only its first byte ("3"). */
    @Test
    void theKernelRangeIsReadFromItsSysctlFile() throws Exception {
        Process sysctl = new ProcessBuilder("sysctl", "-n", "net.ipv4.ip_local_port_range").start();
        String[] range = new String(sysctl.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim().split("\\s+");
        assertThat(sysctl.waitFor()).isZero();
        ClientPorts ports = ClientPorts.read(java.nio.file.Path.of("/proc/sys/net/ipv4/ip_local_port_range"));
        for (int i = 0; i < 100; i++) {
            assertThat(ports.next()).isBetween(Integer.parseInt(range[0]), Integer.parseInt(range[1]));
        }
    }

    @Test
    void aRangeThatIsNoneIsRefused() {
        assertThatThrownBy(() -> new ClientPorts(60999, 32768)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ClientPorts(0, 10)).isInstanceOf(IllegalArgumentException.class);
    }
}
