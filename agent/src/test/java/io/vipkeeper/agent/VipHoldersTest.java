package io.vipkeeper.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.vipkeeper.core.names.ServiceRef;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.plan.HolderCandidates;
import io.vipkeeper.core.viptable.VipConfigMapCodec;
import io.vipkeeper.core.viptable.VipTable;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Coalescing of the vip-holders writes, and the annotation's merge (untrusted content, other masters' VIPs). */
class VipHoldersTest {

    static IpAddress ip(String s) {
        return IpAddress.parse(s);
    }

    static VipHolders.Holder holder(String vip, String node, long sinceMillis) {
        return new VipHolders.Holder(ip(vip), node, 200, List.of(new HolderCandidates.Candidate("node-b", 199)),
                Instant.ofEpochMilli(sinceMillis), 0.322);
    }

    @Test
    void aThousandFlappingVipsMakeOneWritePerServicePerPass() {
        Map<String, String> data = new HashMap<>();
        List<IpAddress> vips = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            IpAddress v = i < 250 ? ip("198.51.100.0").plus(i) : i < 500 ? ip("203.0.113.0").plus(i - 250)
                    : ip("2001:db8::").plus(i - 500);
            vips.add(v);
            data.put(v.toString().replace(':', '-'), "default/svc-" + (i % 10));
        }
        VipTable table = VipConfigMapCodec.decode(data).table();
        FakeVipHolders writer = new FakeVipHolders();
        List<Runnable> queue = new ArrayList<>();
        VipHolders holders = new VipHolders(writer, queue::add, Duration.ZERO, System::nanoTime);
        for (int round = 0; round < 50; round++) {
            Map<IpAddress, VipHolders.Holder> held = new TreeMap<>();
            for (IpAddress v : vips) {
                held.put(v, holder(v.toString(), "node-a", 1000L * round));
            }
            holders.update(held, table);
            holders.update(Map.of(), table); // lost them all again
            holders.update(held, table);
        }
        assertThat(queue).as("one pass queued").hasSize(1);
        queue.remove(0).run();
        assertThat(writer.written).hasSize(10);
        assertThat(writer.written).allSatisfy(w -> {
            assertThat(w.held()).hasSize(100);
            assertThat(w.vips()).hasSize(100);
            assertThat(w.held().values()).allSatisfy(h -> assertThat(h.since()).isEqualTo(Instant.ofEpochMilli(49_000)));
        });
        // a Service lost while queued is not written
        holders.update(Map.of(vips.get(0), holder(vips.get(0).toString(), "node-a", 99_000)), table);
        holders.update(Map.of(), table);
        queue.forEach(Runnable::run);
        assertThat(writer.written).hasSize(10);
    }

    @Test
    void passesAreAtLeastTheGapApart() {
        VipTable table = VipConfigMapCodec.decode(Map.of("192.0.2.241", "default/web")).table();
        List<Long> writes = new ArrayList<>();
        // each write is stamped with the pass's time: the clock's last reading, taken as the pass starts (a stamp taken
        // at the write itself could be late for one write and not the next on a loaded machine)
        AtomicLong lastReading = new AtomicLong();
        VipHolders holders = new VipHolders((s, h, v) -> writes.add(lastReading.get()), Runnable::run, Duration.ofMillis(200),
                () -> {
                    lastReading.set(System.nanoTime());
                    return lastReading.get();
                });
        for (int i = 0; i < 3; i++) {
            holders.update(Map.of(ip("192.0.2.241"), holder("192.0.2.241", "node-a", i)), table);
        }
        assertThat(writes).hasSize(3);
        for (int i = 1; i < writes.size(); i++) {
            assertThat(writes.get(i) - writes.get(i - 1)).as("gap before write %d", i).isGreaterThanOrEqualTo(200_000_000L);
        }
    }

    @Test
    void theMergeSetsThisNodesVipsKeepsOtherMastersAndDropsVipsTheServiceNoLongerHas() {
        String other = "{\"192.0.2.242\":{\"master\":\"node-c\",\"priority\":199}}";
        String text = VipHoldersAnnotation.merge(other, Map.of(ip("192.0.2.241"), holder("192.0.2.241", "node-a", 0)),
                Set.of(ip("192.0.2.241"), ip("192.0.2.242")));
        assertThat(text).isEqualTo("{\"192.0.2.241\":{\"master\":\"node-a\",\"priority\":200,\"backups\":[{\"node\":\"node-b\","
                + "\"priority\":199}],\"since\":\"1970-01-01T00:00:00Z\",\"masterDownSeconds\":0.322},"
                + "\"192.0.2.242\":{\"master\":\"node-c\",\"priority\":199}}");
        // node-b takes 192.0.2.241 over: the previous master is named; 192.0.2.242 left the Service
        String moved = VipHoldersAnnotation.merge(text, Map.of(ip("192.0.2.241"), holder("192.0.2.241", "node-b", 5_000)),
                Set.of(ip("192.0.2.241")));
        Map<IpAddress, JsonNode> read = VipHoldersAnnotation.read(moved);
        assertThat(read).containsOnlyKeys(ip("192.0.2.241"));
        assertThat(read.get(ip("192.0.2.241")).path("master").asText()).isEqualTo("node-b");
        assertThat(read.get(ip("192.0.2.241")).path("previous").asText()).isEqualTo("node-a");
        assertThat(read.get(ip("192.0.2.241")).path("since").asText()).isEqualTo("1970-01-01T00:00:05Z");
        // the same master again (new backups): the last move stays named
        String again = VipHoldersAnnotation.merge(moved, Map.of(ip("192.0.2.241"), holder("192.0.2.241", "node-b", 5_000)),
                Set.of(ip("192.0.2.241")));
        assertThat(VipHoldersAnnotation.read(again).get(ip("192.0.2.241")).path("previous").asText()).isEqualTo("node-a");
    }

    @Test
    void whatIsThereIsUntrusted() {
        Map<IpAddress, VipHolders.Holder> held = Map.of(ip("192.0.2.241"), holder("192.0.2.241", "node-a", 0));
        Set<IpAddress> vips = Set.of(ip("192.0.2.241"));
        for (String hostile : new String[] {"not json", "[1]", "\"x\"", "{\"192.0.2.241\":\"x\"}", "{\"evil\\n\":{}}",
                "{\"192.0.2.241\":{\"master\":\"node-x\\n\\\"}\"}}", "{\"192.0.2.241\":{\"master\":42}}"}) {
            String text = VipHoldersAnnotation.merge(hostile, held, vips);
            Map<IpAddress, JsonNode> read = VipHoldersAnnotation.read(text);
            assertThat(read).as(hostile).containsOnlyKeys(ip("192.0.2.241"));
            assertThat(read.get(ip("192.0.2.241")).has("previous")).as(hostile).isFalse();
            assertThat(text).doesNotContain("evil", "node-x");
        }
    }

    @Test
    void aServiceRefInTheAnnotationIsOnlyTheTablesVips() {
        // a Service sharing a VIP with another: both get the record
        VipTable table = VipConfigMapCodec.decode(Map.of("192.0.2.241", "default/web,default/api")).table();
        FakeVipHolders writer = new FakeVipHolders();
        writer.holders().update(Map.of(ip("192.0.2.241"), holder("192.0.2.241", "node-a", 0)), table);
        assertThat(writer.written).extracting(FakeVipHolders.Write::service)
                .containsExactlyInAnyOrder(ServiceRef.parse("default/web"), ServiceRef.parse("default/api"));
    }

    static final IpAddress BGP = ip("192.0.2.251");
    static final IpAddress VRRP = ip("192.0.2.241");
    static final String VRRP_MEMBER = "\"192.0.2.241\":{\"master\":\"node-c\",\"priority\":200}";

    @Test
    void twoNodesAddingThemselvesAtOnceAreBothListedAndTheVrrpMemberIsUntouched() {
        String base = "{" + VRRP_MEMBER + "}";
        Set<IpAddress> vips = Set.of(BGP, VRRP);
        // both read base; node-b's patch is refused (resourceVersion), so it merges again from node-a's text
        String a = VipHoldersAnnotation.mergeAnnouncer(base, "node-a", Set.of(BGP), vips);
        String ab = VipHoldersAnnotation.mergeAnnouncer(a, "node-b", Set.of(BGP), vips);
        assertThat(ab).isEqualTo("{" + VRRP_MEMBER + ",\"192.0.2.251\":{\"announcers\":[\"node-a\",\"node-b\"]}}");
        // the same order the other way round: the same text (sorted)
        String ba = VipHoldersAnnotation.mergeAnnouncer(VipHoldersAnnotation.mergeAnnouncer(base, "node-b", Set.of(BGP), vips),
                "node-a", Set.of(BGP), vips);
        assertThat(ba).isEqualTo(ab);
        // again: nothing changes (no write)
        assertThat(VipHoldersAnnotation.mergeAnnouncer(ab, "node-a", Set.of(BGP), vips)).isEqualTo(ab);
        // the VRRP master's write keeps the announcers
        String vrrp = VipHoldersAnnotation.merge(ab, Map.of(VRRP, holder("192.0.2.241", "node-a", 0)), vips);
        assertThat(VipHoldersAnnotation.announcers(vrrp, BGP)).containsExactly("node-a", "node-b");
        assertThat(VipHoldersAnnotation.read(vrrp).get(VRRP).path("master").asText()).isEqualTo("node-a");
    }

    @Test
    void aNodeWithdrawingLeavesTheOthersAndTheLastOneTakesTheMember() {
        Set<IpAddress> vips = Set.of(BGP, VRRP);
        String both = "{" + VRRP_MEMBER + ",\"192.0.2.251\":{\"announcers\":[\"node-a\",\"node-b\"]}}";
        String onlyB = VipHoldersAnnotation.mergeAnnouncer(both, "node-a", Set.of(), vips);
        assertThat(onlyB).isEqualTo("{" + VRRP_MEMBER + ",\"192.0.2.251\":{\"announcers\":[\"node-b\"]}}");
        // a node not listed and not announcing changes nothing (VRRP members included)
        assertThat(VipHoldersAnnotation.mergeAnnouncer(onlyB, "node-c", Set.of(), vips)).isEqualTo(onlyB);
        assertThat(VipHoldersAnnotation.mergeAnnouncer(onlyB, "node-b", Set.of(), vips)).isEqualTo("{" + VRRP_MEMBER + "}");
        // a VIP that left the Service goes, as in the VRRP merge
        assertThat(VipHoldersAnnotation.mergeAnnouncer(onlyB, "node-c", Set.of(), Set.of(VRRP))).isEqualTo("{" + VRRP_MEMBER + "}");
    }

    @Test
    void anAnnouncersListIsUntrusted() {
        String hostile = "{\"192.0.2.251\":{\"announcers\":[\"node-b\",\"evil\\n\\\"\",42,{\"x\":1}],\"extra\":\"evil\"}}";
        String text = VipHoldersAnnotation.mergeAnnouncer(hostile, "node-a", Set.of(BGP), Set.of(BGP));
        assertThat(text).isEqualTo("{\"192.0.2.251\":{\"announcers\":[\"node-a\",\"node-b\"]}}");
        // a VRRP record left from before the VIP moved to BGP is replaced
        assertThat(VipHoldersAnnotation.mergeAnnouncer("{" + VRRP_MEMBER.replace("241", "251") + "}", "node-a", Set.of(BGP),
                Set.of(BGP))).isEqualTo("{\"192.0.2.251\":{\"announcers\":[\"node-a\"]}}");
    }

    record Announce(ServiceRef service, String node, Set<IpAddress> announced, Set<IpAddress> vips) {
    }

    @Test
    void announcersWriteOnChangeOnlyAndWithdrawOnStop() {
        VipTable table = VipConfigMapCodec.decode(Map.of("192.0.2.251", "default/web", "192.0.2.252", "default/web",
                "192.0.2.253", "default/api", "192.0.2.254", "default/db")).table();
        List<Announce> writes = new ArrayList<>();
        VipAnnouncers announcers = new VipAnnouncers((s, n, a, v) -> writes.add(new Announce(s, n, Set.copyOf(a), Set.copyOf(v))),
                "node-a", Runnable::run, Duration.ZERO, System::nanoTime);
        ServiceRef web = ServiceRef.parse("default/web");
        ServiceRef api = ServiceRef.parse("default/api");
        ServiceRef db = ServiceRef.parse("default/db");
        // first: db's VIP is held but not announced (ETP Local, no endpoint): written too (a crashed run's record)
        announcers.update(List.of(ip("192.0.2.251"), ip("192.0.2.253")), List.of(ip("192.0.2.251"), ip("192.0.2.253"),
                ip("192.0.2.254")), table);
        assertThat(writes).containsExactlyInAnyOrder(
                new Announce(web, "node-a", Set.of(ip("192.0.2.251")), Set.of(ip("192.0.2.251"), ip("192.0.2.252"))),
                new Announce(api, "node-a", Set.of(ip("192.0.2.253")), Set.of(ip("192.0.2.253"))),
                new Announce(db, "node-a", Set.of(), Set.of(ip("192.0.2.254"))));
        writes.clear();
        announcers.update(List.of(ip("192.0.2.251"), ip("192.0.2.253")), List.of(ip("192.0.2.254")), table);
        assertThat(writes).as("nothing changed").isEmpty();
        // api's VIP withdrawn (its endpoint left): only api written, node-a out of it
        announcers.update(List.of(ip("192.0.2.251")), List.of(), table);
        assertThat(writes).containsExactly(new Announce(api, "node-a", Set.of(), Set.of(ip("192.0.2.253"))));
        writes.clear();
        announcers.withdrawAll();
        assertThat(writes).containsExactly(new Announce(web, "node-a", Set.of(), Set.of(ip("192.0.2.251"), ip("192.0.2.252"))));
    }

    /** A write under way when the agent stops finishes first; the withdrawal is the last word, and nothing follows it. */
    @Test
    void theWithdrawalOnStopComesAfterAWriteUnderWay() throws Exception {
        VipTable table = VipConfigMapCodec.decode(Map.of("192.0.2.251", "default/web")).table();
        List<Announce> writes = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            VipAnnouncers announcers = new VipAnnouncers((s, n, a, v) -> {
                if (!a.isEmpty()) {
                    writing.countDown();
                    try {
                        release.await(5, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                writes.add(new Announce(s, n, Set.copyOf(a), Set.copyOf(v)));
            }, "node-a", executor, Duration.ZERO, System::nanoTime);
            announcers.update(List.of(ip("192.0.2.251")), List.of(ip("192.0.2.251")), table);
            assertThat(writing.await(5, TimeUnit.SECONDS)).as("the announcement is being written").isTrue();
            Thread stop = new Thread(announcers::withdrawAll);
            stop.start();
            NodeAgentIntegrationTest.await(() -> stop.getState() == Thread.State.BLOCKED, "the stop waiting for the write",
                    Duration.ofSeconds(5));
            release.countDown();
            stop.join(5000);
            announcers.update(List.of(ip("192.0.2.251")), List.of(ip("192.0.2.251")), table); // a sync after the stop
            executor.shutdown();
            assertThat(executor.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
            ServiceRef web = ServiceRef.parse("default/web");
            assertThat(writes).containsExactly(new Announce(web, "node-a", Set.of(ip("192.0.2.251")), Set.of(ip("192.0.2.251"))),
                    new Announce(web, "node-a", Set.of(), Set.of(ip("192.0.2.251"))));
        } finally {
            executor.shutdownNow();
        }
    }
}
