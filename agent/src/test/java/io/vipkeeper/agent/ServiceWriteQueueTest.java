package io.vipkeeper.agent;

import static io.vipkeeper.agent.NodeAgentIntegrationTest.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.vipkeeper.core.names.ServiceRef;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.viptable.VipConfigMapCodec;
import io.vipkeeper.core.viptable.VipTable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The per-Service write queue alone: coalescing, pacing, and nothing written after close. */
class ServiceWriteQueueTest {

    static final ServiceRef WEB = ServiceRef.parse("default/web");
    static final ServiceRef API = ServiceRef.parse("default/api");

    record Write(ServiceRef service, int state) {
    }

    @Test
    void manyEnqueuesOfAServiceBeforeAPassMakeOneWriteWithTheLatestState() {
        List<Write> writes = new ArrayList<>();
        List<Runnable> passes = new ArrayList<>();
        ServiceWriteQueue<Integer> queue = new ServiceWriteQueue<>((s, p) -> writes.add(new Write(s, p)), passes::add,
                Duration.ZERO, System::nanoTime);
        for (int i = 0; i < 100; i++) {
            queue.enqueue(Map.of(WEB, i));
            queue.enqueue(Map.of(API, 1000 + i));
        }
        assertThat(passes).as("one pass queued").hasSize(1);
        passes.remove(0).run();
        assertThat(writes).containsExactly(new Write(WEB, 99), new Write(API, 1099));
        queue.enqueue(Map.of());
        assertThat(passes).as("nothing changed: no pass").isEmpty();
        // a Service dropped while queued is not written
        queue.enqueue(Map.of(WEB, 100, API, 1100));
        queue.retainOnly(Set.of(API));
        passes.forEach(Runnable::run);
        assertThat(writes).containsExactly(new Write(WEB, 99), new Write(API, 1099), new Write(API, 1100));
    }

    @Test
    void passesAreAtLeastTheGapApartAndWhatComesMeanwhileIsCoalesced() {
        Duration gap = Duration.ofMillis(150);
        AtomicLong lastReading = new AtomicLong();
        List<Long> passStarts = Collections.synchronizedList(new ArrayList<>());
        List<Write> writes = Collections.synchronizedList(new ArrayList<>());
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            // a pass reads the clock last when it starts, just before its writes: that reading is the pass's time
            ServiceWriteQueue<Integer> queue = new ServiceWriteQueue<>((s, p) -> {
                passStarts.add(lastReading.get());
                writes.add(new Write(s, p));
            }, executor, gap, () -> {
                long now = System.nanoTime();
                lastReading.set(now);
                return now;
            });
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < 10; i++) {
                    queue.enqueue(Map.of(WEB, 10 * round + i));
                }
                int last = 10 * round + 9;
                await(() -> writes.contains(new Write(WEB, last)), "write " + last, Duration.ofSeconds(5));
            }
            assertThat(writes).as("at most one write per pass; the last state of each round written")
                    .hasSizeBetween(3, 6).contains(new Write(WEB, 9), new Write(WEB, 19), new Write(WEB, 29));
            for (int i = 1; i < passStarts.size(); i++) {
                assertThat(passStarts.get(i) - passStarts.get(i - 1)).as("gap before pass %d", i)
                        .isGreaterThanOrEqualTo(gap.toNanos());
            }
        } finally {
            executor.shutdownNow();
        }
    }

    /** A write under way finishes before close returns; what was pending then, or is queued later, is never written. */
    @Test
    void nothingIsWrittenAfterClose() throws Exception {
        List<String> events = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            ServiceWriteQueue<Integer> queue = new ServiceWriteQueue<>((s, p) -> {
                events.add("write " + s + " " + p);
                if (p == 1) {
                    writing.countDown();
                    try {
                        release.await(5, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                events.add("written " + s + " " + p);
            }, executor, Duration.ZERO, System::nanoTime);
            queue.enqueue(Map.of(WEB, 1));
            queue.enqueue(Map.of(API, 1)); // may join WEB's pass: the first of the two blocks the writer
            assertThat(writing.await(5, TimeUnit.SECONDS)).as("the first write is under way").isTrue();
            queue.enqueue(Map.of(WEB, 2, API, 2)); // pending when the close comes
            List<Map<ServiceRef, Integer>> dropped = new ArrayList<>();
            Thread stop = new Thread(() -> {
                dropped.add(queue.close());
                events.add("closed");
            });
            stop.start();
            await(queue::closed, "closed", Duration.ofSeconds(5));
            queue.enqueue(Map.of(WEB, 3)); // a sync after the stop
            release.countDown();
            stop.join(5000);
            assertThat(stop.isAlive()).isFalse();
            executor.shutdown();
            assertThat(executor.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
            assertThat(events).hasSize(3).endsWith("closed");
            assertThat(events.get(0)).startsWith("write ").endsWith(" 1");
            assertThat(events.get(1)).isEqualTo("written" + events.get(0).substring("write".length()));
            assertThat(dropped).containsExactly(Map.of(WEB, 2, API, 2));
            assertThat(queue.closed()).isTrue();
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void vipsByServiceGroupsTheTablesVipsAndSkipsUnknownOnes() {
        VipTable table = VipConfigMapCodec.decode(Map.of("192.0.2.241", "default/web,default/api", "192.0.2.242",
                "default/web", "2001-db8--241", "default/api")).table();
        IpAddress a = IpAddress.parse("192.0.2.241");
        IpAddress b = IpAddress.parse("192.0.2.242");
        IpAddress c = IpAddress.parse("2001:db8::241");
        assertThat(ServiceWriteQueue.vipsByService(table.entries().keySet(), table))
                .isEqualTo(Map.of(WEB, Set.of(a, b), API, Set.of(a, c)));
        assertThat(ServiceWriteQueue.vipsByService(List.of(b, IpAddress.parse("198.51.100.9")), table))
                .isEqualTo(Map.of(WEB, Set.of(b)));
    }
}
