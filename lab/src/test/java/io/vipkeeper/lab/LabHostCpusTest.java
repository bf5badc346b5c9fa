package io.vipkeeper.lab;

import static org.assertj.core.api.Assertions.assertThat;

import io.vipkeeper.lab.lan.AddressPlan;
import io.vipkeeper.lab.lan.CpuList;
import io.vipkeeper.lab.lan.CpuSplit;
import io.vipkeeper.lab.lan.LabPaths;
import io.vipkeeper.lab.lan.Routing;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The traffic commands move themselves (and so the clients they start) onto the client CPUs of a split lab. */
class LabHostCpusTest {

    static String allowed(long pid) throws Exception {
        return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream().filter(l -> l.startsWith("Cpus_allowed_list:"))
                .map(l -> l.substring(l.indexOf(':') + 1).strip()).findFirst().orElseThrow();
    }

    @Test
    void aProcessOfASplitLabsTrafficCommandRunsOnTheClientCpusAndOfAnUnsplitOneAnywhere(@TempDir Path dir) throws Exception {
        CpuList online = CpuList.online();
        assertThat(online.cpus()).as("this test needs two CPUs or more").hasSizeGreaterThanOrEqualTo(2);
        LabPaths paths = new LabPaths(dir);
        AddressPlan plan = new AddressPlan("198.51.100", 3);
        Process child = new ProcessBuilder("sleep", "30").start();
        try {
            StringWriter err = new StringWriter();
            paths.writePlan(plan, Routing.VRRP);
            LabHost.onClientCpus(paths, new PrintWriter(err, true), child.pid());
            assertThat(allowed(child.pid())).as("not split: left alone").isEqualTo(online.text());

            CpuSplit split = CpuSplit.of(new CpuList(java.util.List.of(online.cpus().get(online.cpus().size() - 1))), online);
            paths.writePlan(plan, Routing.VRRP, split);
            LabHost.onClientCpus(paths, new PrintWriter(err, true), child.pid());
            assertThat(allowed(child.pid())).as("stderr: %s", err).isEqualTo(split.workloads().text());
        } finally {
            child.destroyForcibly();
        }
    }
}
