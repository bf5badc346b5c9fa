package io.vipkeeper.lab;

import static org.assertj.core.api.Assertions.assertThat;

import io.vipkeeper.lab.lan.CpuList;
import io.vipkeeper.platform.CliErrors;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The hidden lab commands that fail as they start say why on one line: a port in use or an address that is not this
 * machine's is the environment (exit 1), a host name that does not resolve is a bad flag (exit 2); no stack trace.
 */
class LabStartErrorsTest {

    record Run(int exit, String err) {
    }

    static Run run(Object command, String... args) {
        CommandLine cl = CliErrors.install(new CommandLine(command));
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        cl.setOut(new PrintWriter(new StringWriter(), true));
        return new Run(cl.execute(args), err.toString());
    }

    static void oneLineNoTrace(Run r, String command, String... mentions) {
        assertThat(r.err().strip().lines()).as("stderr: %s", r.err()).hasSize(1);
        assertThat(r.err()).startsWith(command + ": ").contains(mentions).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void backendWithItsPortInUseExitsOneWithOneLine() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(0));
            Run r = run(new LabBackendCommand(), "--name", "hello-1", "--port", Integer.toString(taken.getLocalPort()));
            assertThat(r.exit()).as("stderr: %s", r.err()).isEqualTo(1);
            oneLineNoTrace(r, "backend", "port " + taken.getLocalPort(), "--port");
        }
    }

    @Test
    void clustersWithAnUnresolvableHostExitsTwoWithOneLine() {
        Run r = run(new SeedClustersCommand(), "--host", "no-such-host.invalid", "--kubeconfig-out", "/tmp/vk-never-written.kubeconfig");
        assertThat(r.exit()).as("stderr: %s", r.err()).isEqualTo(2);
        oneLineNoTrace(r, "clusters", "--host", "no-such-host.invalid");
    }

    @Test
    void clustersOnAnAddressThisMachineDoesNotHaveExitsOneWithOneLine() {
        Run r = run(new SeedClustersCommand(), "--host", "203.0.113.99", "--kubeconfig-out", "/tmp/vk-never-written.kubeconfig");
        assertThat(r.exit()).as("stderr: %s", r.err()).isEqualTo(1);
        oneLineNoTrace(r, "clusters", "203.0.113.99");
    }

    @Test
    void upRefusesNoBfdWithoutBgp() {
        Run noBfd = run(new LabUpCommand(), "--no-bfd", "--state-dir", "/tmp/vk-never-used");
        assertThat(noBfd.exit()).as("stderr: %s", noBfd.err()).isEqualTo(2);
        oneLineNoTrace(noBfd, "vipkeeper lab up", "--no-bfd", "--announce bgp");
    }

    @Test
    void upRefusesNodeCpusThatAreNotACpuListOrNotOnlineOrAllOfThem() throws Exception {
        Run notAList = run(new LabUpCommand(), "--node-cpus", "one", "--state-dir", "/tmp/vk-never-used");
        assertThat(notAList.exit()).as("stderr: %s", notAList.err()).isEqualTo(2);
        assertThat(notAList.err()).contains("--node-cpus").contains("'one'").doesNotContain("\tat ");

        Run notOnline = run(new LabUpCommand(), "--node-cpus", "8000", "--state-dir", "/tmp/vk-never-used");
        assertThat(notOnline.exit()).as("stderr: %s", notOnline.err()).isEqualTo(2);
        oneLineNoTrace(notOnline, "vipkeeper lab up", "--node-cpus 8000", "not online", "this machine's CPUs: " + CpuList.online().text());

        Run all = run(new LabUpCommand(), "--node-cpus", CpuList.online().text(), "--state-dir", "/tmp/vk-never-used");
        assertThat(all.exit()).as("stderr: %s", all.err()).isEqualTo(2);
        assertThat(all.err().strip().lines()).hasSize(1);
        assertThat(all.err()).startsWith("vipkeeper lab up: --node-cpus");
    }
}
