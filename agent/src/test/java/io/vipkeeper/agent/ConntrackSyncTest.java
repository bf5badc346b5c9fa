package io.vipkeeper.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.vipkeeper.core.agent.AgentSettings;
import io.vipkeeper.core.agent.Dataplane;
import io.vipkeeper.core.agent.InstanceMode;
import io.vipkeeper.core.agent.InterfaceName;
import io.vipkeeper.core.agent.TrafficPolicy;
import io.vipkeeper.core.net.Cidr;
import io.vipkeeper.core.plan.AgentPlan;
import io.vipkeeper.core.plan.AgentPlanner;
import io.vipkeeper.core.pool.Announce;
import io.vipkeeper.core.render.ConntrackdConfig;
import io.vipkeeper.core.render.KeepalivedConfig;
import io.vipkeeper.core.render.NftablesRuleset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Conntrack sync in the agent without root: the reconciler passes VRRP changes on to the appliers, and
 * {@link ConntrackdApplier} drives a fake conntrackd (a shell script that records how it was called): started once,
 * restarted only when its configuration changes, stopped when sync is off, its own cache rebuilt from the kernel
 * table and sent on MASTER ({@code -f internal}, {@code -R}, {@code -B}) and emptied when MASTER of nothing, {@code -n}
 * on BACKUP, per-vip the whole table for a peer's resync request, never {@code -c}, {@code -t} or a flush of the
 * external cache; a stale lock file is removed; the metrics come from {@code -s}.
 */
class ConntrackSyncTest {

    @TempDir
    Path dir;

    static final String STATS = """
            cache internal:
            current active connections:\t          42
            connections created:\t\t         100\tfailed:\t          11

            external inject:
            connections created:\t\t          37\tfailed:\t           2
            connections updated:\t\t           5\tfailed:\t           0
            connections destroyed:\t\t           3\tfailed:\t           1

            UDP traffic (active device=eth0):
                            24 Bytes sent                    0 Bytes recv
                             0 Error send                    3 Error recv

            message tracking:
                               0 Malformed msgs                    7 Lost msgs
            """;

    final ClusterState cluster = new ClusterState().node("node-a", "192.0.2.11").node("node-b", "192.0.2.12")
            .entry("192.0.2.241", "default/web").service("default/web", TrafficPolicy.CLUSTER)
            .endpoint("default/web", "198.51.100.1", "node-b");

    AgentSettings.Builder settings() {
        return AgentSettings.builder(InterfaceName.parse("eth0")).dataplane(Dataplane.NFTABLES).runDir(dir.toString());
    }

    AgentPlan plan(ClusterState c, AgentSettings s) {
        return AgentPlanner.plan(c.snapshot(), "node-a", null, s);
    }

    /** A conntrackd that logs every call to calls.log; runs in the foreground with its socket and lock, answers -s while it runs. */
    Path fakeConntrackd() throws Exception {
        Path stats = dir.resolve("stats.txt");
        Files.writeString(stats, STATS);
        Path script = dir.resolve("conntrackd");
        Files.writeString(script, """
                #!/bin/sh
                echo "$*" >> %1$s/calls.log
                conf=$2
                sock=$(awk '$1=="Path"{print $2}' "$conf")
                lock=$(awk '$1=="LockFile"{print $2}' "$conf")
                if [ $# -eq 2 ]; then
                  [ -e "$lock" ] && { echo "lockfile $lock exists, perhaps conntrackd already running?"; exit 1; }
                  touch "$lock" "$sock"
                  echo $$ > "$sock.pid"
                  trap 'rm -f "$sock" "$lock"; exit 0' TERM
                  # peers' resync requests, as conntrackd 1.4 prints them: as many as the test writes into peer-asks
                  while :; do
                    if [ -e %1$s/peer-asks ]; then
                      n=$(cat %1$s/peer-asks); rm -f %1$s/peer-asks
                      for i in $(seq "$n"); do echo "[Fri Dec  4 16:13:04 2026] (pid=$$) [notice] resync requested by other node"; done
                    fi
                    sleep 0.05
                  done
                fi
                # answers while the daemon runs: a killed one leaves its socket file, as conntrackd does
                [ -e "$sock" ] && kill -0 "$(cat "$sock.pid")" 2>/dev/null || exit 1
                [ "$3" = -s ] && cat %2$s
                # a daemon busy injecting a peer's bulk answers late
                [ "$3" = -f ] && [ -e %1$s/slow-flush ] && sleep 1
                exit 0
                """.formatted(dir, stats));
        script.toFile().setExecutable(true);
        Path sysctl = dir.resolve("sysctl");
        // -n: the value in conntrack-max, when the test wrote one
        Files.writeString(sysctl, "#!/bin/sh\necho \"sysctl $*\" >> " + dir + "/calls.log\n"
                + "[ \"$1\" = -n ] && cat " + dir + "/conntrack-max 2>/dev/null\nexit 0\n");
        sysctl.toFile().setExecutable(true);
        return script;
    }

    /** An applier driving {@link #fakeConntrackd()} (a fresh one each call) with the fake sysctl. */
    ConntrackdApplier applierWithFake() throws Exception {
        return new ConntrackdApplier(HostCommands.LOCAL, fakeConntrackd().toString(), dir.resolve("sysctl").toString());
    }

    List<String> calls() throws Exception {
        Path log = dir.resolve("calls.log");
        return Files.exists(log) ? Files.readAllLines(log).stream().map(l -> l.replace(dir.toString(), "RUN")).toList() : List.of();
    }

    static void await(String what, BooleanSupplier condition) {
        NodeAgentIntegrationTest.await(condition, what, Duration.ofSeconds(5));
    }

    /** {@code condition} holds throughout {@code window} (checked every 50 ms): fails at the first moment it does not. */
    static void holdsFor(String what, Duration window, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + window.toNanos();
        do {
            assertThat(condition.getAsBoolean()).as(what).isTrue();
            Thread.sleep(50);
        } while (System.nanoTime() < end);
        assertThat(condition.getAsBoolean()).as(what).isTrue();
    }

    @Test
    void theReconcilerPassesVrrpChangesToTheAppliersAndRendersTheSyncPart() throws Exception {
        FakeApplier nft = new FakeApplier(Applier.Kind.NFTABLES, NftablesRuleset::render);
        FakeApplier conntrackd = new FakeApplier(Applier.Kind.CONNTRACKD,
                p -> p.sync() == null ? "" : ConntrackdConfig.render(p.sync()));
        FakeApplier keepalived = new FakeApplier(Applier.Kind.KEEPALIVED, KeepalivedConfig::render);
        FakeAnnouncements announcements = new FakeAnnouncements();
        Reconciler r = new Reconciler("node-a", null, settings().instanceMode(InstanceMode.SINGLE).build(),
                List.of(nft, conntrackd, new TrackFiles()), keepalived, () -> List.of(Cidr.parse("192.0.2.0/24")),
                new FakeEvents(), new PrometheusRegistry(), () -> 0, announcements.announcer(), dir.resolve("notify.fifo"),
                new AtomicLong()::get);
        r.sync(cluster.snapshot());
        assertThat(conntrackd.inForce()).contains("IPv4_address 192.0.2.11", "IPv4_Destination_Address 192.0.2.12");
        assertThat(nft.inForce()).contains("snat ip to ct original ip daddr", "chain guard");
        r.vrrp().update("vips", VrrpStates.State.MASTER);
        r.vrrp().update("vips", VrrpStates.State.BACKUP);
        assertThat(conntrackd.vrrpChanges).containsExactly("vips MASTER", "vips BACKUP");
        assertThat(nft.vrrpChanges).containsExactly("vips MASTER", "vips BACKUP");
        r.close();
    }

    @Test
    void conntrackdRunsWhileSyncIsPlannedAndHearsOfTransitions() throws Exception {
        Path bin = fakeConntrackd();
        ConntrackdApplier a = new ConntrackdApplier(HostCommands.LOCAL, bin.toString(), dir.resolve("sysctl").toString());
        try {
            // a crashed run's lock file: removed, as no daemon answers
            Files.writeString(dir.resolve("conntrackd.lock"), "");
            assertThat(a.apply(plan(cluster, settings().build())).outcome()).isEqualTo(ApplyResult.Outcome.STARTED);
            assertThat(a.alive()).isTrue();
            assertThat(Files.readString(dir.resolve("conntrackd.conf"))).contains("IPv4_Destination_Address 192.0.2.12");
            assertThat(calls()).contains("sysctl -q -w net.netfilter.nf_conntrack_tcp_loose=0", "-C RUN/conntrackd.conf");

            // the same plan: nothing; another endpoint: the ruleset's business, not conntrackd's
            assertThat(a.apply(plan(cluster, settings().build())).outcome()).isEqualTo(ApplyResult.Outcome.UNCHANGED);
            assertThat(a.apply(plan(cluster.endpoint("default/web", "198.51.100.2", "node-b"), settings().build())).outcome())
                    .isEqualTo(ApplyResult.Outcome.UNCHANGED);

            // each after the takeover (ConntrackdApplier.AFTER_TRANSITION), not on it: nothing within the first second
            long at = System.nanoTime();
            a.vrrpChanged("vips", VrrpStates.State.MASTER);
            holdsFor("no bulk send during the takeover", Duration.ofSeconds(1),
                    () -> !uncheckedCalls().contains("-C RUN/conntrackd.conf -B"));
            await("-B on MASTER", () -> uncheckedCalls().contains("-C RUN/conntrackd.conf -B"));
            assertThat(System.nanoTime() - at).isGreaterThanOrEqualTo(ConntrackdApplier.AFTER_TRANSITION.toNanos());
            // the flows taken over were injected, and injected flows never enter conntrackd's own cache: rebuilt first
            assertThat(afterStart(calls())).containsSubsequence("-C RUN/conntrackd.conf -f internal", "-C RUN/conntrackd.conf -R",
                    "-C RUN/conntrackd.conf -B");
            a.vrrpChanged("vips", VrrpStates.State.BACKUP);
            await("-n on BACKUP", () -> uncheckedCalls().contains("-C RUN/conntrackd.conf -n"));
            a.vrrpChanged("vips", VrrpStates.State.FAULT);
            a.vrrpChanged("vips", VrrpStates.State.STOP);

            // the metrics, from -s, and the sync socket's drops from /proc/net/udp (port 3780 = 0EC4; another port's not)
            Path procNet = Files.createDirectories(dir.resolve("proc-net"));
            Files.writeString(procNet.resolve("udp"), String.join("\n",
                    "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops",
                    "  101: 00000000:0EC4 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4711 2 0000000000000000 281",
                    "  102: 0D6433C6:D2F5 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4712 2 0000000000000000 9",
                    ""));
            PrometheusRegistry registry = new PrometheusRegistry();
            new ConntrackMetrics(registry, a, new UdpSocketDrops(procNet), System::nanoTime);
            assertThat(value(registry, "vipkeeper_conntrack_sync_up", null)).isEqualTo(1);
            assertThat(value(registry, "vipkeeper_conntrack_sync_entries", null)).isEqualTo(42);
            assertThat(value(registry, "vipkeeper_conntrack_sync_not_cached", null)).as("cache full").isEqualTo(11);
            assertThat(value(registry, "vipkeeper_conntrack_sync_injected", "ok")).isEqualTo(37);
            assertThat(value(registry, "vipkeeper_conntrack_sync_injected", "failed")).isEqualTo(2);
            assertThat(value(registry, "vipkeeper_conntrack_sync_lost_messages", null)).isEqualTo(7);
            assertThat(value(registry, "vipkeeper_conntrack_sync_errors", "recv")).isEqualTo(3);
            assertThat(value(registry, "vipkeeper_conntrack_sync_receive_drops", null)).isEqualTo(281);

            // a third node: multicast now, so conntrackd is restarted with the new configuration
            ClusterState three = cluster.node("node-c", "192.0.2.13");
            assertThat(a.apply(plan(three, settings().build())).outcome()).isEqualTo(ApplyResult.Outcome.APPLIED);
            assertThat(Files.readString(dir.resolve("conntrackd.conf"))).contains("Mode NOTRACK", "Multicast {");
            assertThat(calls().stream().filter(c -> c.equals("-C RUN/conntrackd.conf"))).hasSize(2);

            // sync off: conntrackd stops, and the metrics have no sample
            assertThat(a.apply(plan(three, settings().conntrackSync(false).build())).outcome()).isEqualTo(ApplyResult.Outcome.APPLIED);
            assertThat(a.alive()).isFalse();
            assertThat(registry.scrape().stream().filter(s -> s.getMetadata().getName().startsWith("vipkeeper_conntrack"))
                    .mapToLong(s -> s.getDataPoints().size()).sum()).isZero();
            a.vrrpChanged("vips", VrrpStates.State.MASTER); // nothing to tell
        } finally {
            a.close();
        }
        // never the external-cache commands: -t flushes the whole kernel table after PurgeTimeout
        assertThat(calls()).noneMatch(c -> c.matches(".* -[ct]( .*)?") || c.matches(".* -f( external)?")).contains("-C RUN/conntrackd.conf -B",
                "-C RUN/conntrackd.conf -n");
        assertThat(calls().stream().filter(c -> c.endsWith(" -B") || c.endsWith(" -n"))).hasSize(2);
    }

    @Test
    void onStopTheDataPlaneHearsOfItBeforeKeepalivedGivesTheVipsAway() throws Exception {
        FakeApplier keepalived = new FakeApplier(Applier.Kind.KEEPALIVED, KeepalivedConfig::render);
        List<String> order = new ArrayList<>();
        Applier watcher = new Applier() {
            @Override
            public Kind kind() {
                return Kind.CONNTRACKD;
            }

            @Override
            public ApplyResult apply(AgentPlan plan) {
                return ApplyResult.UNCHANGED;
            }

            @Override
            public void beforeVrrpStop() {
                order.add("beforeVrrpStop, keepalived closed: " + keepalived.closed);
            }

            @Override
            public void close() {
                order.add("close, keepalived closed: " + keepalived.closed);
            }
        };
        Reconciler r = new Reconciler("node-a", null, settings().build(), List.of(watcher), keepalived,
                () -> List.of(Cidr.parse("192.0.2.0/24")), new FakeEvents(), new PrometheusRegistry(), () -> 0,
                new FakeAnnouncements().announcer(), dir.resolve("notify.fifo"), new AtomicLong()::get);
        r.sync(cluster.snapshot());
        r.close();
        assertThat(order).containsExactly("beforeVrrpStop, keepalived closed: false", "close, keepalived closed: true");
    }

    @Test
    void aStoppingMasterSendsItsTableThenKeepsForwardingForTheDrain() throws Exception {
        ConntrackdApplier a = applierWithFake();
        a.apply(plan(cluster, settings().build()));
        a.vrrpChanged("vips", VrrpStates.State.MASTER);
        await("-B on MASTER", () -> uncheckedCalls().stream().filter(c -> c.endsWith(" -B")).count() == 1);
        a.beforeVrrpStop();
        assertThat(calls().stream().filter(c -> c.endsWith(" -B"))).hasSize(2); // sent before returning
        assertThat(List.of(a.tableSends(ConntrackdApplier.TableSend.TAKEOVER), a.tableSends(ConntrackdApplier.TableSend.HANDOVER)))
                .as("sends counted: takeover, handover").containsExactly(1L, 1L);
        List<String> before = calls();
        assertThat(before.subList(before.lastIndexOf("-C RUN/conntrackd.conf -B"), before.size()))
                .as("its cache emptied once its table is sent, before keepalived stops: no DESTROY of its old flows reaches "
                        + "the new MASTER").containsExactly("-C RUN/conntrackd.conf -B", "-C RUN/conntrackd.conf -f internal");
        a.vrrpChanged("vips", VrrpStates.State.STOP); // keepalived stopped: a peer takes over now
        long start = System.nanoTime();
        a.close();
        assertThat((System.nanoTime() - start) / 1_000_000).as("ms forwarding on").isGreaterThanOrEqualTo(ConntrackdApplier.DRAIN.toMillis());
        assertThat(a.alive()).isFalse();
        List<String> calls = calls();
        assertThat(calls.subList(calls.lastIndexOf("-C RUN/conntrackd.conf -B"), calls.size()))
                .as("nothing more for conntrackd at the takeover").containsOnlyOnce("-C RUN/conntrackd.conf -f internal");

        // a BACKUP has nothing to hand over: no -B, no drain
        ConntrackdApplier b = applierWithFake();
        b.apply(plan(cluster, settings().build()));
        b.vrrpChanged("vips", VrrpStates.State.BACKUP);
        await("-n on BACKUP", () -> uncheckedCalls().stream().filter(c -> c.endsWith(" -n")).count() == 1);
        b.beforeVrrpStop();
        long t = System.nanoTime();
        b.close();
        assertThat((System.nanoTime() - t) / 1_000_000).isLessThan(ConntrackdApplier.DRAIN.toMillis());
        assertThat(calls().stream().filter(c -> c.endsWith(" -B"))).hasSize(2);
    }

    /** A planned handover with the agent running (Node label, cordon): -B before returning; FAULT asks nothing; no drain. */
    @Test
    void aHandoverSendsTheTableFirstAndTheAgentKeepsForwardingWithoutADrainOnClose() throws Exception {
        ConntrackdApplier a = applierWithFake();
        a.apply(plan(cluster, settings().build()));
        a.vrrpChanged("vips", VrrpStates.State.MASTER);
        await("-B on MASTER", () -> uncheckedCalls().stream().filter(c -> c.endsWith(" -B")).count() == 1);
        long before = System.nanoTime();
        a.beforeHandover();
        assertThat(calls().stream().filter(c -> c.endsWith(" -B"))).hasSize(2); // sent before returning
        assertThat(System.nanoTime() - before).as("the peers' time to take the table in, before stepping down")
                .isGreaterThanOrEqualTo(ConntrackdApplier.HANDOVER_SETTLE.toNanos());
        a.vrrpChanged("vips", VrrpStates.State.FAULT);
        assertThat(a.alive()).as("conntrackd keeps running: the node still forwards what arrives").isTrue();
        long start = System.nanoTime();
        a.close();
        assertThat((System.nanoTime() - start) / 1_000_000).as("nothing held: no drain on stop").isLessThan(ConntrackdApplier.DRAIN.toMillis());
        assertThat(calls().stream().filter(c -> c.endsWith(" -B") || c.endsWith(" -n"))).hasSize(2);
    }

    /**
     * A node starting to sync while MASTER of nothing waits, before keepalived is applied, for the peers' flows: peers
     * that send none (the fake injects 0) cost the whole wait, with -n asked again meanwhile; a MASTER does not wait.
     */
    @Test
    void aStartingNodeWaitsForThePeersFlowsUnlessItIsMaster() throws Exception {
        fakeConntrackd();
        Files.writeString(dir.resolve("stats.txt"), STATS.replace("37", "0"));
        ConntrackdApplier fresh = new ConntrackdApplier(HostCommands.LOCAL, dir.resolve("conntrackd").toString(), dir.resolve("sysctl").toString());
        try {
            long start = System.nanoTime();
            assertThat(fresh.apply(plan(cluster, settings().build())).outcome()).isEqualTo(ApplyResult.Outcome.STARTED);
            assertThat((System.nanoTime() - start) / 1_000_000).as("ms in apply")
                    .isGreaterThanOrEqualTo(ConntrackdApplier.RESYNC_WAIT.toMillis());
            assertThat(calls().stream().filter(c -> c.endsWith(" -n")).count()).as("-n asked again").isGreaterThanOrEqualTo(4);
        } finally {
            fresh.close();
        }
        Files.delete(dir.resolve("calls.log"));
        ConntrackdApplier master = new ConntrackdApplier(HostCommands.LOCAL, dir.resolve("conntrackd").toString(), dir.resolve("sysctl").toString());
        try {
            master.vrrpChanged("vips", VrrpStates.State.MASTER); // while sync was off: remembered
            long start = System.nanoTime();
            assertThat(master.apply(plan(cluster, settings().build())).outcome()).isEqualTo(ApplyResult.Outcome.STARTED);
            assertThat((System.nanoTime() - start) / 1_000_000).as("ms in apply").isLessThan(ConntrackdApplier.RESYNC_WAIT.toMillis());
            assertThat(calls()).noneMatch(c -> c.endsWith(" -n"));
        } finally {
            master.close();
        }
    }

    @Test
    void noSyncWithOneNodeOrAnotherDataPlane() throws Exception {
        ConntrackdApplier a = applierWithFake();
        ClusterState alone = new ClusterState().node("node-a", "192.0.2.11").entry("192.0.2.241", "");
        assertThat(a.apply(plan(alone, settings().build())).outcome()).isEqualTo(ApplyResult.Outcome.UNCHANGED);
        assertThat(a.apply(plan(cluster, settings().dataplane(Dataplane.IPVS).build())).outcome()).isEqualTo(ApplyResult.Outcome.UNCHANGED);
        assertThat(a.running()).isNull();
        assertThat(calls()).isEmpty();
        a.close();
    }

    @Test
    void aDaemonThatNeverAnswersIsReportedRejected() throws Exception {
        Path broken = dir.resolve("broken");
        Files.writeString(broken, "#!/bin/sh\necho 'ERROR: conntrackd cannot start, please review your configuration'\nexit 1\n");
        broken.toFile().setExecutable(true);
        fakeConntrackd();
        ConntrackdApplier a = new ConntrackdApplier(HostCommands.LOCAL, broken.toString(), dir.resolve("sysctl").toString());
        try {
            ApplyResult r = a.apply(plan(cluster, settings().build()));
            assertThat(r.rejected()).isTrue();
            assertThat(r.error()).contains("did not answer", "conntrackd.ctl");
        } finally {
            a.close();
        }
    }

    /**
     * A node's own cache is what every peer answers a resync request with, and the MASTER writes the answers over its
     * live entries: a node MASTER of nothing keeps none (emptied at once, before it asks for the peers' table), and a
     * MASTER that is BACKUP again before its bulk send does not rebuild it. A node MASTER by the time its resync
     * request is due asks for nothing (keepalived's start: BACKUP, then MASTER within a second).
     */
    @Test
    void aNodeMasterOfNothingKeepsNoCacheToAnswerResyncsWith() throws Exception {
        ConntrackdApplier a = applierWithFake();
        try {
            a.apply(plan(cluster, settings().build()));
            assertThat(afterStart(calls())).as("emptied after its start: a snapshot of its kernel table")
                    .containsExactly("-C RUN/conntrackd.conf -f internal");
            // a configuration change restarts it: a snapshot again, and no VRRP transition follows
            assertThat(a.apply(plan(cluster.node("node-c", "192.0.2.13"), settings().build())).outcome()).isEqualTo(ApplyResult.Outcome.APPLIED);
            assertThat(afterStart(calls())).containsExactly("-C RUN/conntrackd.conf -f internal");
            a.vrrpChanged("vips", VrrpStates.State.BACKUP); // keepalived's first state after its start
            await("-n on BACKUP", () -> uncheckedCalls().contains("-C RUN/conntrackd.conf -n"));
            Files.delete(dir.resolve("calls.log"));

            a.vrrpChanged("vips", VrrpStates.State.MASTER);
            a.vrrpChanged("vips", VrrpStates.State.BACKUP); // within AFTER_TRANSITION
            await("-f internal at once", () -> uncheckedCalls().contains("-C RUN/conntrackd.conf -f internal"));
            assertThat(calls()).doesNotContain("-C RUN/conntrackd.conf -n");
            await("-n on BACKUP", () -> uncheckedCalls().contains("-C RUN/conntrackd.conf -n"));
            // the bulk was scheduled before the -n on the applier's one thread: its turn has passed
            assertThat(calls()).as("no rebuild nor bulk send once BACKUP").doesNotContain("-C RUN/conntrackd.conf -R", "-C RUN/conntrackd.conf -B");

            // keepalived's start: BACKUP, then MASTER within AFTER_TRANSITION; a MASTER asks for no peer's table
            Files.delete(dir.resolve("calls.log"));
            a.vrrpChanged("vips", VrrpStates.State.BACKUP);
            a.vrrpChanged("vips", VrrpStates.State.MASTER);
            await("-B on MASTER", () -> uncheckedCalls().contains("-C RUN/conntrackd.conf -B"));
            assertThat(calls()).as("no resync request once MASTER").doesNotContain("-C RUN/conntrackd.conf -n");

            // per-vip: still MASTER of one instance, so the cache stays
            Files.delete(dir.resolve("calls.log"));
            a.vrrpChanged("vip-1", VrrpStates.State.MASTER);
            a.vrrpChanged("vip-2", VrrpStates.State.MASTER);
            a.vrrpChanged("vip-2", VrrpStates.State.BACKUP);
            await("-B on MASTER", () -> uncheckedCalls().contains("-C RUN/conntrackd.conf -B"));
            assertThat(calls()).containsOnlyOnce("-C RUN/conntrackd.conf -f internal").containsSubsequence("-C RUN/conntrackd.conf -f internal",
                    "-C RUN/conntrackd.conf -R", "-C RUN/conntrackd.conf -B");
        } finally {
            a.close();
        }
    }

    /**
     * Per-vip with sync, a node back from a fault takes its VIPs back by preemption 5 s later: it asks the peers for
     * their tables at once and holds its instances below every peer's (the catch-up file keepalived tracks) until
     * conntrackd has written their answers into the kernel table; at its start it holds them back the same way. From
     * MASTER, or for a new instance, it asks for nothing; MASTER of another instance it asks but holds nothing back
     * (that instance would go).
     */
    @Test
    void aPerVipNodeBackFromAFaultTakesItsVipsBackOnlyOnceCaughtUp() throws Exception {
        Path stats = dir.resolve("stats.txt");
        ConntrackdApplier a = applierWithFake();
        try {
            AgentPlan perVip = plan(cluster, settings().instanceMode(InstanceMode.PER_VIP).build());
            assertThat(perVip.movesBackAfterCatchingUp()).isTrue();
            assertThat(KeepalivedConfig.render(perVip)).contains("track_file sync_caught_up {", "sync_caught_up weight -");
            Path gate = Path.of(perVip.syncTrackFilePath());
            Files.writeString(gate, "1\n"); // left by a killed agent: would hold the VIPs back for good
            a.apply(perVip);
            // keepalived starts after this applier: with its instances held back until the peers' flows stop coming
            assertThat(Files.readString(gate)).as("held back at the start").isEqualTo("1\n");
            await("released once the start's flows are written", () -> uncheckedRead(gate).equals("0\n"));
            String instance = perVip.instances().get(0).name();

            // keepalived's first states after the start (and a new VIP's instance): nothing to catch up
            a.vrrpChanged(instance, VrrpStates.State.BACKUP);
            a.vrrpChanged("vip_new", VrrpStates.State.BACKUP);
            holdsFor("not held back, nothing asked", ConntrackdApplier.CATCH_UP_MIN, () -> uncheckedRead(gate).equals("0\n")
                    && !afterStart(uncheckedCalls()).contains("-C RUN/conntrackd.conf -n"));

            // its link goes down and comes back (two instances): held back at once, one -n at once
            a.vrrpChanged(instance, VrrpStates.State.FAULT);
            a.vrrpChanged("vip_2", VrrpStates.State.FAULT);
            a.vrrpChanged(instance, VrrpStates.State.BACKUP);
            a.vrrpChanged("vip_2", VrrpStates.State.BACKUP);
            assertThat(Files.readString(gate)).as("held back before keepalived's preempt_delay can end").isEqualTo("1\n");
            await("-n at once", () -> uncheckedCalls().contains("-C RUN/conntrackd.conf -n"));
            // the peers' answers being written: held back while the count moves; the link flaps meanwhile, so what
            // it asked for may be lost: it asks again
            for (int i = 1; i <= 8; i++) {
                Files.writeString(stats, STATS.replace("          37\tfailed", "%12d\tfailed".formatted(37 + i * 1000)));
                if (i == 2) {
                    a.vrrpChanged(instance, VrrpStates.State.FAULT);
                    a.vrrpChanged(instance, VrrpStates.State.BACKUP);
                }
                holdsFor("held back while conntrackd writes the peers' flows", Duration.ofMillis(200),
                        () -> uncheckedRead(gate).equals("1\n"));
            }
            await("released once the writes stop", () -> uncheckedRead(gate).equals("0\n"));
            assertThat(afterStart(calls()).stream().filter(c -> c.endsWith(" -n"))).as("asked again after the flap").hasSize(2);

            // from MASTER: nothing to catch up, no request (every peer would send its whole cache as the VIP moves)
            Files.delete(dir.resolve("calls.log"));
            a.vrrpChanged(instance, VrrpStates.State.MASTER);
            a.vrrpChanged(instance, VrrpStates.State.BACKUP);
            holdsFor("not held back, nothing asked", ConntrackdApplier.AFTER_TRANSITION.plusMillis(500),
                    () -> uncheckedRead(gate).equals("0\n") && !uncheckedCalls().contains("-C RUN/conntrackd.conf -n"));

            // MASTER of another instance: asks, but lowering the node's instances would give that one away
            a.vrrpChanged("other", VrrpStates.State.MASTER);
            a.vrrpChanged(instance, VrrpStates.State.FAULT);
            a.vrrpChanged(instance, VrrpStates.State.BACKUP);
            assertThat(Files.readString(gate)).isEqualTo("0\n");
            await("-n at once", () -> uncheckedCalls().contains("-C RUN/conntrackd.conf -n"));
            assertThat(Files.readString(gate)).isEqualTo("0\n");

            // single mode (nopreempt) has no catch-up file and asks AFTER_TRANSITION later, as before
            AgentPlan single = plan(cluster, settings().build());
            assertThat(single.movesBackAfterCatchingUp()).isFalse();
            assertThat(KeepalivedConfig.render(single)).doesNotContain("sync_caught_up");
        } finally {
            a.close();
        }
    }

    /**
     * Per-vip, a node's cache never keeps the flows of VIPs other nodes hold: kept there (from {@code -R}), they went
     * stale, and when the node's kernel dropped one of their expired entries as a client used the port again, its
     * conntrackd sent the delete to the holder, which dropped its live flow of that port. So the cache is emptied
     * after each bulk send and whenever the node gives a VIP away, even while it is MASTER of another; a bulk send
     * rebuilds it from the kernel table first.
     */
    @Test
    void aPerVipNodeKeepsNoOtherNodesFlowsInItsCache() throws Exception {
        ConntrackdApplier a = applierWithFake();
        try {
            AgentPlan perVip = plan(cluster, settings().instanceMode(InstanceMode.PER_VIP).build());
            a.apply(perVip);
            await("released after the start's catch-up", () -> uncheckedRead(Path.of(perVip.syncTrackFilePath())).equals("0\n"));
            assertThat(afterStart(calls())).as("the daemon's start: a snapshot of the kernel table").contains("-C RUN/conntrackd.conf -f internal");
            String flush = "-C RUN/conntrackd.conf -f internal";

            Files.delete(dir.resolve("calls.log"));
            a.vrrpChanged("web", VrrpStates.State.MASTER);
            await("emptied after the bulk send", () -> uncheckedCalls().size() == 4);
            assertThat(calls()).containsExactly(flush, "-C RUN/conntrackd.conf -R", "-C RUN/conntrackd.conf -B", flush);

            // gives one VIP away while MASTER of another: emptied at once, not AFTER_TRANSITION later
            a.vrrpChanged("db", VrrpStates.State.MASTER);
            Files.delete(dir.resolve("calls.log"));
            a.vrrpChanged("web", VrrpStates.State.BACKUP);
            await("emptied at once", () -> uncheckedCalls().contains(flush));
            assertThat(calls()).hasSize(1);

            // a handover's bulk send: the cache made the kernel table first, emptied after
            await("db's bulk send done, the cache emptied after it", () -> {
                List<String> c = uncheckedCalls();
                return c.size() >= 2 && c.get(c.size() - 2).equals("-C RUN/conntrackd.conf -B") && c.get(c.size() - 1).equals(flush);
            });
            Files.delete(dir.resolve("calls.log"));
            a.beforeHandover();
            assertThat(calls()).containsExactly(flush, "-C RUN/conntrackd.conf -R", "-C RUN/conntrackd.conf -B", flush);
        } finally {
            a.close();
        }
    }

    /**
     * Per-vip, a peer's resync request is answered from a cache that holds only what changed since this node's last
     * transition, so a peer back with an empty table would miss every connection opened before and unchanged since:
     * the whole kernel table follows ({@code -R}, {@code -B}), once for a burst of requests, and the cache is emptied
     * again. In single mode the MASTER's cache holds its flows whole: nothing more is sent.
     */
    @Test
    void aPeersRequestIsAnsweredWithTheWholeTablePerVipOnly() throws Exception {
        String flush = "-C RUN/conntrackd.conf -f internal";
        for (InstanceMode mode : List.of(InstanceMode.PER_VIP, InstanceMode.SINGLE)) {
            ConntrackdApplier a = applierWithFake();
            try {
                AgentPlan p = plan(cluster, settings().instanceMode(mode).build());
                a.apply(p);
                if (mode == InstanceMode.PER_VIP) {
                    await("released after the start's catch-up", () -> uncheckedRead(Path.of(p.syncTrackFilePath())).equals("0\n"));
                }
                Files.deleteIfExists(dir.resolve("calls.log"));
                Files.writeString(dir.resolve("peer-asks"), "3"); // a starting peer asks several times in a row
                await("the fake said it", () -> !Files.exists(dir.resolve("peer-asks")));
                if (mode == InstanceMode.PER_VIP) {
                    await("the table sent and the cache emptied", () -> tableCalls().size() >= 4);
                    holdsFor("one send for the burst", Duration.ofMillis(600), () -> tableCalls().size() == 4);
                    assertThat(tableCalls()).containsExactly(flush, "-C RUN/conntrackd.conf -R", "-C RUN/conntrackd.conf -B", flush);
                } else {
                    holdsFor("nothing sent in single mode", Duration.ofMillis(600),
                            () -> uncheckedCalls().stream().noneMatch(c -> c.endsWith(" -B") || c.endsWith(" -R")));
                }
                PrometheusRegistry registry = new PrometheusRegistry();
                new ConntrackMetrics(registry, a, new UdpSocketDrops(dir), System::nanoTime);
                assertThat(value(registry, "vipkeeper_conntrack_sync_table_sends", "peer_request")).as("sends counted")
                        .isEqualTo(mode == InstanceMode.PER_VIP ? 1 : 0);
            } finally {
                a.close();
                Files.deleteIfExists(dir.resolve("calls.log"));
            }
        }
    }

    static String uncheckedRead(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** conntrackd's cache is as large as the node's conntrack table (read once), or the default when it cannot be read. */
    @Test
    void theCacheHoldsAsManyFlowsAsTheKernelTable() throws Exception {
        assertThat(confWithConntrackMax("262144\n")).contains("\tHashLimit 262144\n", "\t\tRcvSocketBuffer 67108864\n");
        assertThat(calls()).contains("sysctl -n net.netfilter.nf_conntrack_max");
        assertThat(confWithConntrackMax("lots\n")).contains("\tHashLimit 65535\n");
    }

    /** The conntrackd.conf a fresh applier writes when the fake sysctl reports {@code conntrackMax} for the table's size. */
    private String confWithConntrackMax(String conntrackMax) throws Exception {
        Files.deleteIfExists(dir.resolve("conntrackd.conf"));
        Files.writeString(dir.resolve("conntrack-max"), conntrackMax);
        ConntrackdApplier a = applierWithFake();
        try {
            a.apply(plan(cluster, settings().build()));
            return Files.readString(dir.resolve("conntrackd.conf"));
        } finally {
            a.close();
        }
    }

    /**
     * Per-vip, a link going down puts every instance in FAULT at once. One flush of the cache serves them all: a flush
     * per instance, each answered late by a busy daemon, held the applier's one thread for seconds (the per-vip chaos
     * run: -f internal timed out after 5 s, again and again) before the table could be sent or asked for.
     */
    @Test
    void manyTransitionsToMasterOfNothingQueueOneFlush() throws Exception {
        ConntrackdApplier a = applierWithFake();
        try {
            a.apply(plan(cluster, settings().build()));
            for (int i = 1; i <= 5; i++) {
                a.vrrpChanged("vip-" + i, VrrpStates.State.BACKUP);
            }
            await("BACKUP's -n", () -> uncheckedCalls().contains("-C RUN/conntrackd.conf -n"));
            Files.delete(dir.resolve("calls.log"));
            Files.writeString(dir.resolve("slow-flush"), "");
            for (int i = 1; i <= 5; i++) {
                a.vrrpChanged("vip-" + i, VrrpStates.State.FAULT);
            }
            await("a flush", () -> uncheckedCalls().contains("-C RUN/conntrackd.conf -f internal"));
            a.vrrpChanged("vip-1", VrrpStates.State.BACKUP); // one more after the first flush began: queued, not lost
            await("-n on BACKUP", () -> uncheckedCalls().contains("-C RUN/conntrackd.conf -n"));
            assertThat(calls().stream().filter(c -> c.endsWith(" -f internal")).count()).as("flushes for 6 transitions")
                    .isBetween(2L, 3L);
        } finally {
            a.close();
        }
    }

    /**
     * conntrackd exited and the supervisor started it again: the new daemon's cache is a snapshot of the kernel table
     * (peers' injected flows included), and the flows opened meanwhile went to no peer. MASTER of nothing, the cache is
     * emptied at once; MASTER, it is rebuilt and sent, as after a takeover.
     */
    @Test
    void aDaemonStartedAgainAfterItExitedForgetsItsSnapshotOrSendsItsTable() throws Exception {
        ConntrackdApplier a = applierWithFake();
        try {
            a.apply(plan(cluster, settings().build()));
            a.vrrpChanged("vips", VrrpStates.State.BACKUP);
            await("-n on BACKUP", () -> uncheckedCalls().contains("-C RUN/conntrackd.conf -n"));
            Files.delete(dir.resolve("calls.log"));
            killDaemon(a);
            await("-f internal after the restart", () -> afterStart(uncheckedCalls()).contains("-C RUN/conntrackd.conf -f internal"));
            assertThat(calls()).containsSubsequence("-C RUN/conntrackd.conf", "-C RUN/conntrackd.conf -f internal");

            a.vrrpChanged("vips", VrrpStates.State.MASTER);
            await("-B on MASTER", () -> uncheckedCalls().contains("-C RUN/conntrackd.conf -B"));
            Files.delete(dir.resolve("calls.log"));
            killDaemon(a);
            await("-B after the restart", () -> afterStart(uncheckedCalls()).contains("-C RUN/conntrackd.conf -B"));
            assertThat(afterStart(calls())).containsExactly("-C RUN/conntrackd.conf -f internal", "-C RUN/conntrackd.conf -R",
                    "-C RUN/conntrackd.conf -B");
        } finally {
            a.close();
        }
    }

    /**
     * An agent that started before any Service had a VIP (no VRRP instance yet): the instances come later with the
     * same conntrackd configuration, and the cache must follow the mastership from then on. It kept the restarted
     * daemon's snapshot of the kernel table instead, as in BGP mode, and would have answered resyncs with it.
     */
    @Test
    void theCacheFollowsTheMastershipOnceTheFirstInstanceComes() throws Exception {
        ConntrackdApplier a = applierWithFake();
        try {
            ClusterState noVip = new ClusterState().node("node-a", "192.0.2.11").node("node-b", "192.0.2.12");
            AgentPlan none = plan(noVip, settings().build());
            assertThat(none.instances()).isEmpty();
            a.apply(none);
            assertThat(afterStart(calls())).as("no instance: the cache is kept, as in BGP mode").doesNotContain("-C RUN/conntrackd.conf -f internal");
            assertThat(a.apply(plan(cluster, settings().build())).outcome()).isEqualTo(ApplyResult.Outcome.UNCHANGED);

            a.vrrpChanged("vips", VrrpStates.State.BACKUP);
            Files.delete(dir.resolve("calls.log"));
            killDaemon(a);
            await("-f internal after the restart", () -> afterStart(uncheckedCalls()).contains("-C RUN/conntrackd.conf -f internal"));
        } finally {
            a.close();
        }
    }

    /** SIGKILLs the running fake daemon (its lock file stays, as a crash leaves it) and waits for the supervisor's next one. */
    private static void killDaemon(ConntrackdApplier a) {
        Process before = a.process();
        before.destroyForcibly();
        await("conntrackd started again", () -> a.process() != null && a.process() != before && a.process().isAlive());
    }

    /** In BGP mode ({@code --announce bgp}) every node forwards: its cache is the flows it forwards and stays. */
    @Test
    void inBgpModeTheCacheStays() throws Exception {
        ConntrackdApplier a = applierWithFake();
        try {
            AgentPlan bgp = plan(cluster, settings().announce(Announce.BGP).build());
            assertThat(bgp.sync()).isNotNull();
            a.apply(bgp);
            assertThat(afterStart(calls())).isEmpty();
        } finally {
            a.close();
        }
    }

    /** The calls after the daemon started (its -C CONF line), without the -s of the waits. */
    static List<String> afterStart(List<String> calls) {
        int start = calls.lastIndexOf("-C RUN/conntrackd.conf");
        return calls.subList(start + 1, calls.size()).stream().filter(c -> !c.endsWith(" -s")).toList();
    }

    /** The calls that touch conntrackd's cache or send: {@code -f}, {@code -R}, {@code -B}. */
    List<String> tableCalls() {
        return uncheckedCalls().stream().filter(c -> c.endsWith(" -R") || c.endsWith(" -B") || c.endsWith(" -f internal")).toList();
    }

    List<String> uncheckedCalls() {
        try {
            return calls();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static double value(PrometheusRegistry registry, String name, String label) {
        for (MetricSnapshot s : registry.scrape()) {
            if (s.getMetadata().getName().equals(name)) {
                for (DataPointSnapshot d : s.getDataPoints()) {
                    if (label == null || d.getLabels().stream().anyMatch(l -> l.getValue().equals(label))) {
                        if (d instanceof GaugeSnapshot.GaugeDataPointSnapshot g) {
                            return g.getValue();
                        }
                        if (d instanceof CounterSnapshot.CounterDataPointSnapshot c) {
                            return c.getValue();
                        }
                    }
                }
            }
        }
        return Double.NaN;
    }
}
