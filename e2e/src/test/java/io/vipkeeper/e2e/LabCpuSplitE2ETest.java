package io.vipkeeper.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.vipkeeper.lab.LabCommand;
import io.vipkeeper.lab.lan.ChildJvm;
import io.vipkeeper.lab.lan.CpuList;
import io.vipkeeper.lab.lan.Lan;
import io.vipkeeper.platform.CliErrors;
import io.vipkeeper.platform.process.Exec;
import io.vipkeeper.testsupport.RequiresRoot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code lab up --node-cpus}, run as a user runs it (the lab's commands, each its own process): the nodes' processes
 * (agent, keepalived, conntrackd) and the lab process on the nodes' CPUs, the pods' backends on the others (the
 * traffic commands' clients: LabHostCpusTest).
 */
@RequiresRoot("lab up --node-cpus: the nodes on CPUs of their own, the client and pods on the rest")
class LabCpuSplitE2ETest {

    static final Path STATE = Path.of("/run/vipkeeper-lab-cpus-test");

    /** {@code vipkeeper lab ARGS} in a process of its own, as a user runs it. */
    public static void main(String[] args) {
        System.exit(CliErrors.install(new CommandLine(new LabCommand())).execute(args));
    }

    static Process lab(Path out, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(ChildJvm.java(), "-cp", System.getProperty("java.class.path"), LabCpuSplitE2ETest.class.getName()));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("--state-dir", STATE.toString()));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    }

    static String run(Path dir, String name, String... args) throws Exception {
        Path out = dir.resolve(name + ".out");
        Process p = lab(out, args);
        assertThat(p.waitFor(4, TimeUnit.MINUTES)).as("lab %s ended within 4 minutes", name).isTrue();
        String text = Files.readString(out, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("lab %s: %s", name, text).isZero();
        return text;
    }

    /** The CPUs process {@code pid} may run on (its Cpus_allowed_list). */
    static String allowed(String pid) throws IOException {
        return Files.readAllLines(Path.of("/proc", pid, "status")).stream().filter(l -> l.startsWith("Cpus_allowed_list:"))
                .map(l -> l.substring(l.indexOf(':') + 1).strip()).findFirst().orElse("?");
    }

    /** Command name → CPUs allowed, of every process in namespace {@code ns}. */
    static Map<String, String> cpusIn(String ns) {
        Map<String, String> out = new TreeMap<>();
        for (String pid : Exec.run(List.of("ip", "netns", "pids", ns), Duration.ofSeconds(5)).stdout().strip().split("\\s+")) {
            if (pid.isEmpty()) {
                continue;
            }
            try {
                String comm = Files.readString(Path.of("/proc", pid, "comm")).strip();
                out.merge(comm, allowed(pid), (a, b) -> a.equals(b) ? a : a + "|" + b);
            } catch (IOException e) {
                // the process ended meanwhile
            }
        }
        return out;
    }

    @Test
    void theNodesRunOnTheirCpusAndThePodsOnTheRest() throws Exception {
        CpuList online = CpuList.online();
        assertThat(online.cpus()).as("this test needs two CPUs or more").hasSizeGreaterThanOrEqualTo(2);
        String nodeCpus = Integer.toString(online.cpus().get(online.cpus().size() - 1));
        String rest = online.minus(CpuList.parse(nodeCpus)).text();
        Path dir = Files.createTempDirectory("vk-cpus");
        try {
            String up = run(dir, "up", "up", "--nodes", "2", "--conntrack-sync", "--node-cpus", nodeCpus);
            assertThat(up).contains("CPUs: nodes, API server and controller on " + nodeCpus + "; client and pods on " + rest);
            assertThat(allowed(Files.readString(STATE.resolve("lab.pid")).strip())).as("the lab process (API server, controller)")
                    .isEqualTo(nodeCpus);
            for (String ns : List.of("vk-node1", "vk-node2")) {
                Map<String, String> cpus = new TreeMap<>();
                LabFixture.awaitTrue(() -> {
                    cpus.clear();
                    cpus.putAll(cpusIn(ns));
                    return cpus.keySet().containsAll(List.of("java", "keepalived", "conntrackd"));
                }, ns + ": the agent, keepalived and conntrackd", Duration.ofSeconds(30));
                assertThat(cpus).as(ns).allSatisfy((comm, allowed) -> assertThat(allowed).as(comm).isEqualTo(nodeCpus));
            }
            for (String ns : List.of("vk-pod-hello-1", "vk-pod-hello-2", "vk-pod-hello-3")) {
                assertThat(cpusIn(ns)).as(ns).containsExactly(Map.entry("java", rest));
            }
        } finally {
            lab(dir.resolve("down.out"), "down").waitFor(2, TimeUnit.MINUTES);
            Lan.destroyAll();
            try (var files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
