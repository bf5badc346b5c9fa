package io.vipkeeper.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RepeatedWarningTest {

    @Test
    void theSameWarningIsWrittenOncePerIntervalAndAChangeAtOnce() {
        List<String> lines = new ArrayList<>();
        AtomicLong now = new AtomicLong();
        RepeatedWarning w = new RepeatedWarning(lines::add, Duration.ofSeconds(30), now::get);
        for (int s = 0; s < 65; s++) { // a retry every second for 65 s
            now.set(Duration.ofSeconds(s).toNanos());
            w.warn("node n1 is not among the Nodes");
        }
        assertThat(lines).containsExactly("node n1 is not among the Nodes", "node n1 is not among the Nodes (again 29 times since)",
                "node n1 is not among the Nodes (again 29 times since)");
        w.warn("node n1 has no address");
        assertThat(lines).hasSize(4).last().isEqualTo("node n1 has no address");
        w.clear();
        w.warn("node n1 has no address");
        assertThat(lines).hasSize(5);
    }
}
