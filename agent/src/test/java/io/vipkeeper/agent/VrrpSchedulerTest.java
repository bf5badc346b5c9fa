package io.vipkeeper.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vipkeeper.core.agent.VrrpRealtime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The check of keepalived's VRRP process on a fake /proc; the real chrt under the chart's capabilities is in deploy-tests' RbacTest. */
class VrrpSchedulerTest {

    @TempDir
    Path dir;

    /** A /proc/PID/stat line: comm, ppid, rt_priority, policy at their kernel positions. */
    private static String stat(long pid, String comm, long ppid, int rtPriority, int policy) {
        StringBuilder b = new StringBuilder(pid + " (" + comm + ") S " + ppid);
        for (int field = 5; field <= 52; field++) {
            b.append(' ').append(field == 40 ? rtPriority : field == 41 ? policy : 0);
        }
        return b.append('\n').toString();
    }

    private void process(long pid, String comm, long ppid, int rtPriority, int policy) throws Exception {
        Files.createDirectories(dir.resolve("proc").resolve(Long.toString(pid)));
        Files.writeString(dir.resolve("proc").resolve(Long.toString(pid)).resolve("stat"), stat(pid, comm, ppid, rtPriority, policy));
    }

    private VrrpScheduler scheduler(HostCommands host) throws Exception {
        Files.writeString(dir.resolve("keepalived.pid"), "100\n");
        Files.writeString(dir.resolve("vrrp.pid"), "101\n");
        return new VrrpScheduler(host, dir, dir.resolve("proc"), VrrpRealtime.DEFAULT, new PrometheusRegistry());
    }

    @Test
    void statFieldsEndCommAtTheLastParenthesis() {
        String[] f = VrrpScheduler.statFields(stat(7, "a) (b c", 1, 20, 2));
        assertThat(f[0]).isEqualTo("a) (b c");
        assertThat(f[2]).isEqualTo("1");
        assertThat(f[38]).isEqualTo("20");
        assertThat(f[39]).isEqualTo("2");
        assertThat(VrrpScheduler.statFields("garbage")).isNull();
    }

    @Test
    void aVrrpProcessAlreadyRealTimeIsLeftAlone() throws Exception {
        process(101, "keepalived", 100, 20, 2);
        VrrpScheduler s = scheduler(new HostCommands(List.of("false"))); // any command would fail
        s.check();
        assertThat(s.realtime()).isTrue();
    }

    @Test
    void aNormalVrrpProcessIsNotRealTimeWhenChrtFailsAndIsNotRetriedForTheSamePid() throws Exception {
        process(101, "keepalived", 100, 0, 0);
        Path log = dir.resolve("commands");
        // records each command line, then fails as chrt does without CAP_SYS_NICE
        HostCommands failing = new HostCommands(List.of("sh", "-c", "echo \"$*\" >> " + log + "; exit 1", "sh"));
        VrrpScheduler s = scheduler(failing);
        s.check();
        s.check();
        assertThat(s.realtime()).isFalse();
        assertThat(Files.readAllLines(log)).hasSize(1).allMatch(l -> l.startsWith("prlimit --pid 101 --rttime=1000000:1000000"));
    }

    @Test
    void aProcessThatIsNotOurKeepalivedsChildIsNotTouched() throws Exception {
        process(101, "keepalived", 99, 20, 2); // another keepalived's child (a stale pid file)
        VrrpScheduler s = scheduler(new HostCommands(List.of("false")));
        s.check();
        assertThat(s.realtime()).isFalse();
    }
}
