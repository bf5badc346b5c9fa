package io.vipkeeper.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** conntrackd put back among normal processes, on a fake /proc; the real chrt runs in ConntrackdRootTest. */
class ConntrackdSchedulingTest {

    @TempDir
    Path dir;

    private void process(long pid, int rtPriority, int policy) throws Exception {
        StringBuilder b = new StringBuilder(pid + " (conntrackd) S 1");
        for (int field = 5; field <= 52; field++) {
            b.append(' ').append(field == 40 ? rtPriority : field == 41 ? policy : 0);
        }
        Files.createDirectories(dir.resolve("proc").resolve(Long.toString(pid)));
        Files.writeString(dir.resolve("proc").resolve(Long.toString(pid)).resolve("stat"), b.append('\n').toString());
    }

    /** Records each command line, then succeeds or fails. */
    private HostCommands recording(boolean succeed) {
        return new HostCommands(List.of("sh", "-c", "echo \"$*\" >> " + dir.resolve("commands") + "; exit " + (succeed ? 0 : 1), "sh"));
    }

    private List<String> commands() throws Exception {
        Path log = dir.resolve("commands");
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    @Test
    void aRealTimeConntrackdIsMovedToTheNormalPolicy() throws Exception {
        process(42, 10, 2); // SCHED_RR 10, as conntrackd sets itself
        new ConntrackdScheduling(recording(true), dir.resolve("proc")).normal(42);
        assertThat(commands()).containsExactly("chrt --other -p 0 42");
    }

    @Test
    void aNormalOneIsLeftAloneAndAFailureIsNotRetriedForTheSamePid() throws Exception {
        process(42, 0, 0);
        ConntrackdScheduling s = new ConntrackdScheduling(recording(false), dir.resolve("proc"));
        assertThat(s.normal(42)).isTrue();
        assertThat(commands()).isEmpty();

        process(43, 99, 1); // FIFO, and chrt fails (no CAP_SYS_NICE)
        assertThat(s.normal(43)).isFalse();
        assertThat(s.normal(43)).isFalse();
        assertThat(commands()).containsExactly("chrt --other -p 0 43");
        assertThat(s.normal(44)).as("gone").isFalse();
    }
}
