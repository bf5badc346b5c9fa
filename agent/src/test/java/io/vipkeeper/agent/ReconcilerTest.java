package io.vipkeeper.agent;

import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.net.IpRange;
import io.vipkeeper.core.pool.Announce;
import io.vipkeeper.core.pool.PoolPlacement;
import io.vipkeeper.core.pool.PoolPlacements;
import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.vipkeeper.core.agent.AgentSettings;
import io.vipkeeper.core.agent.Dataplane;
import io.vipkeeper.core.agent.InstanceMode;
import io.vipkeeper.core.agent.InterfaceName;
import io.vipkeeper.core.agent.TrafficPolicy;
import io.vipkeeper.core.names.ServiceRef;
import io.vipkeeper.core.net.Cidr;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.plan.AgentPlan;
import io.vipkeeper.core.plan.Handover;
import io.vipkeeper.core.plan.HolderCandidates;
import io.vipkeeper.core.plan.VrrpInstance;
import io.vipkeeper.core.render.KeepalivedConfig;
import io.vipkeeper.core.render.NftablesRuleset;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's sync (plan → appliers → reports) with in-memory appliers, events and announcements: no root, no API. */
class ReconcilerTest {

    @TempDir
    Path runDir;

    final FakeApplier nft = new FakeApplier(Applier.Kind.NFTABLES, NftablesRuleset::render);
    final FakeApplier keepalived = new FakeApplier(Applier.Kind.KEEPALIVED, KeepalivedConfig::render);
    final FakeEvents events = new FakeEvents();
    final FakeAnnouncements announcements = new FakeAnnouncements();
    final FakeVipHolders holders = new FakeVipHolders();
    final PrometheusRegistry registry = new PrometheusRegistry();
    final AtomicLong wallClock = new AtomicLong(1_000_000);
    final ClusterState cluster = new ClusterState().node("node-a", "192.0.2.11").node("node-b", "192.0.2.12")
            .entry("192.0.2.240", "").entry("192.0.2.241", "default/web")
            .service("default/web", TrafficPolicy.CLUSTER).endpoint("default/web", "198.51.100.1", "node-b");

    Reconciler reconciler(InstanceMode mode) {
        return reconciler(mode, registry);
    }

    Reconciler reconciler(InstanceMode mode, PrometheusRegistry registry) {
        AgentSettings settings = AgentSettings.builder(InterfaceName.parse("eth0")).dataplane(Dataplane.NFTABLES)
                .instanceMode(mode).runDir(runDir.toString()).build();
        return new Reconciler("node-a", null, settings, List.of(nft, new TrackFiles()), keepalived,
                () -> List.of(Cidr.parse("192.0.2.0/24")), events, registry, () -> 0,
                announcements.announcer(), runDir.resolve("notify.fifo"), wallClock::get, holders.holders());
    }

    double counter(String name, String result) {
        return registry.scrape().stream().filter(s -> s.getMetadata().getName().equals(name))
                .flatMap(s -> ((CounterSnapshot) s).getDataPoints().stream())
                .filter(d -> d.getLabels().get("result").equals(result)).mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue).sum();
    }

    double gauge(String name) {
        return registry.scrape().stream().filter(s -> s.getMetadata().getName().equals(name))
                .flatMap(s -> ((GaugeSnapshot) s).getDataPoints().stream()).mapToDouble(GaugeSnapshot.GaugeDataPointSnapshot::getValue).sum();
    }

    /** A VIP of a BGP pool leaves the VRRP instances (BIRD announces it) and is still forwarded by the data plane. */
    @Test
    void aBgpPoolsVipIsInNoVrrpInstanceAndStillForwarded() throws Exception {
        Reconciler r = reconciler(InstanceMode.SINGLE);
        BgpContext bgp = new BgpContext("node-a", Announce.VRRP, List.of());
        r.announceSplit(bgp::vrrpPlan);
        var snapshot = cluster.snapshot().withPlacements(new PoolPlacements(List.of(new PoolPlacement("routed",
                List.of(IpRange.parse("192.0.2.241-192.0.2.241")), Announce.BGP, null, null, List.of(), null))));
        bgp.observed(snapshot);
        r.sync(snapshot);
        assertThat(keepalived.inForce()).contains("    192.0.2.240\n").doesNotContain("192.0.2.241");
        assertThat(nft.inForce()).contains("192.0.2.241", "198.51.100.1");
    }

    @Test
    void aRefusedRulesetKeepsThePreviousOneAndIsReportedAsDataplaneRejected() throws Exception {
        Reconciler r = reconciler(InstanceMode.SINGLE);
        r.sync(cluster.snapshot());
        String first = nft.inForce();
        assertThat(first).contains("198.51.100.1");
        assertThat(counter("vipkeeper_nftables_applies", "ok")).isEqualTo(1);

        nft.refuse("Error: Could not process rule: No such file or directory\nmore detail");
        r.sync(cluster.endpoint("default/web", "198.51.100.2", "node-b").snapshot());
        assertThat(nft.inForce()).isEqualTo(first);
        assertThat(nft.refused).hasSize(1);
        assertThat(events.withReason("DataplaneRejected")).singleElement().satisfies(e -> assertThat(e.message())
                .contains("nft refused the ruleset on node node-a", "Could not process rule").doesNotContain("more detail"));
        assertThat(counter("vipkeeper_nftables_applies", "rejected")).isEqualTo(1);

        // accepted again: the next sync applies what the plan says now
        nft.refuse(null);
        r.sync(cluster.snapshot());
        assertThat(nft.inForce()).contains("198.51.100.2");
        assertThat(counter("vipkeeper_nftables_applies", "ok")).isEqualTo(2);
    }

    @Test
    void keepalivedIsNotReloadedWhenOnlyTheDataPlaneChanges() throws Exception {
        Reconciler r = reconciler(InstanceMode.SINGLE);
        r.sync(cluster.snapshot());
        assertThat(keepalived.applied).hasSize(1);
        assertThat(counter("vipkeeper_keepalived_reloads", "ok")).isEqualTo(1);
        assertThat(r.instances()).extracting(i -> i.name()).containsExactly("vips");

        // endpoints move: a new ruleset, the same keepalived.conf (nftables mode: keepalived runs VRRP only)
        r.sync(cluster.endpoint("default/web", "198.51.100.7", "node-b").snapshot());
        r.sync(cluster.snapshot());
        assertThat(nft.applied).hasSize(2);
        assertThat(keepalived.applied).hasSize(1);
        assertThat(counter("vipkeeper_keepalived_reloads", "ok")).isEqualTo(1);

        // a new VIP changes keepalived.conf: one reload
        r.sync(cluster.entry("192.0.2.242", "").snapshot());
        assertThat(keepalived.applied).hasSize(2);
        assertThat(keepalived.inForce()).contains("192.0.2.242");
        assertThat(counter("vipkeeper_keepalived_reloads", "ok")).isEqualTo(2);
    }

    @Test
    void aConfigurationKeepalivedRefusesIsReportedAndTheInstancesInForceStay() throws Exception {
        Reconciler r = reconciler(InstanceMode.SINGLE);
        r.sync(cluster.snapshot());
        var before = r.instances();
        keepalived.refuse("Unknown keyword 'x'");
        r.sync(cluster.entry("192.0.2.242", "").snapshot());
        assertThat(r.instances()).isEqualTo(before);
        assertThat(events.withReason("ConfigRejected")).singleElement()
                .satisfies(e -> assertThat(e.message()).contains("keepalived refused the configuration on node node-a", "Unknown keyword"));
        assertThat(counter("vipkeeper_keepalived_reloads", "rejected")).isEqualTo(1);
    }

    /** externalTrafficPolicy Local: the track file says whether this node has a ready endpoint; no keepalived reload. */
    @Test
    void localTrafficPolicyWritesTheTrackFileWithoutReloadingKeepalived() throws Exception {
        cluster.service("default/web", TrafficPolicy.LOCAL);
        Reconciler r = reconciler(InstanceMode.PER_VIP);
        Path track = runDir.resolve("local").resolve("192_0_2_241");
        Files.createDirectories(track.getParent());
        r.sync(cluster.snapshot());
        assertThat(Files.readString(track)).isEqualTo("-254\n");
        assertThat(keepalived.inForce()).contains("track_file local_192_0_2_241");

        r.sync(cluster.endpoint("default/web", "198.51.100.1", "node-a").snapshot());
        assertThat(Files.readString(track)).isEqualTo("0\n");
        assertThat(nft.inForce()).contains("198.51.100.1");

        r.sync(cluster.endpoint("default/web", "198.51.100.1", "node-b").snapshot());
        assertThat(Files.readString(track)).isEqualTo("-254\n");
        assertThat(keepalived.applied).as("keepalived configurations applied").hasSize(1);
    }

    @Test
    void refusedEntriesAndObjectsAreReportedOnTheConfigMapAndTheRestIsServed() throws Exception {
        Reconciler r = reconciler(InstanceMode.SINGLE);
        r.sync(cluster.entry("not-an-ip", "default/web").entry("192.0.2.243", "default/web:BOGUS")
                .objectError("Service web/front: spec.ports[0].protocol: unknown protocol \"TCPX\"").snapshot());
        assertThat(events.withReason("InvalidEntry")).extracting(FakeEvents.Event::message)
                .containsExactly("ENTRY_REFUSED \"not-an-ip\": key \"not-an-ip\" is not an IP address (IPv6 is written with '-' for ':')",
                        "ENTRY_REFUSED 192.0.2.243: entry 192.0.2.243: unknown forward method \"BOGUS\" (NAT, DR or PROXY)");
        assertThat(events.withReason("InvalidObject")).extracting(FakeEvents.Event::message)
                .containsExactly("Service web/front: spec.ports[0].protocol: unknown protocol \"TCPX\"");
        assertThat(gauge("vipkeeper_entries_refused_in_force")).isEqualTo(3);
        assertThat(keepalived.inForce()).contains("192.0.2.240", "192.0.2.241").doesNotContain("192.0.2.243");
    }

    @Test
    void aMasterAnnouncesItsServicesOnceAndAgainAfterLosingTheVip() throws Exception {
        Reconciler r = reconciler(InstanceMode.SINGLE);
        r.sync(cluster.snapshot());
        assertThat(announcements.written).isEmpty(); // not MASTER yet

        r.vrrp().update("vips", VrrpStates.State.MASTER);
        Announcer.Announcement web = new Announcer.Announcement(ServiceRef.parse("default/web"), IpAddress.parse("192.0.2.241"));
        assertThat(announcements.written).containsExactly(web);
        r.sync(cluster.snapshot());
        r.vrrp().update("vips", VrrpStates.State.MASTER);
        assertThat(announcements.written).as("announced once while MASTER").containsExactly(web);

        // a VIP added to the instance that is already MASTER is announced by the sync that adds it
        Announcer.Announcement api = new Announcer.Announcement(ServiceRef.parse("default/api"), IpAddress.parse("192.0.2.242"));
        r.sync(cluster.entry("192.0.2.242", "default/api").snapshot());
        assertThat(announcements.written).containsExactly(web, api);

        r.vrrp().update("vips", VrrpStates.State.BACKUP);
        r.vrrp().update("vips", VrrpStates.State.MASTER);
        assertThat(announcements.written).containsExactly(web, api, web, api);
    }

    @Test
    void closeStopsKeepalivedAndUndoesTheDataPlane() throws Exception {
        Reconciler r = reconciler(InstanceMode.SINGLE);
        r.sync(cluster.snapshot());
        r.close();
        assertThat(keepalived.closed).isTrue();
        assertThat(nft.closed).isTrue();
    }
    /** The value of a gauge's series with these labels, or null when there is none. */
    Double series(String name, String... labels) {
        return registry.scrape().stream().filter(s -> s.getMetadata().getName().equals(name))
                .flatMap(s -> ((GaugeSnapshot) s).getDataPoints().stream())
                .filter(d -> {
                    for (int i = 0; i < labels.length; i += 2) {
                        if (!labels[i + 1].equals(d.getLabels().get(labels[i]))) {
                            return false;
                        }
                    }
                    return true;
                }).map(GaugeSnapshot.GaugeDataPointSnapshot::getValue).findFirst().orElse(null);
    }

    static final String PLACEMENT = """
            {"far":{"addresses":["203.0.113.0/28"],"nodeSelector":{"matchLabels":{"rack":"r2"}}},
             "edge":{"addresses":["198.51.100.32/28"],"interface":"eth1"},
             "routed":{"addresses":["203.0.113.64/28"],"announce":"bgp","communities":["64512:7"],"localPref":120}}""";

    ClusterState placed() {
        return cluster.node("node-a", "192.0.2.11", Map.of("rack", "r1"))
                .node("node-b", "192.0.2.12", Map.of("rack", "r2"))
                .entry("203.0.113.5", "default/web").entry("198.51.100.40", "default/web").entry("203.0.113.70", "default/web")
                .placement(PLACEMENT);
    }

    @Test
    void thePoolPlacementDecidesWhereAndHowItsVipsAreHeld() throws Exception {
        for (InstanceMode mode : InstanceMode.values()) {
            Reconciler r = reconciler(mode, new PrometheusRegistry());
            r.sync(placed().snapshot());
            String conf = keepalived.inForce();
            // far: its pool selects rack r2, this node is r1: not held, not forwarded here
            assertThat(conf).as(mode.name()).doesNotContain("203.0.113.5");
            assertThat(nft.inForce()).doesNotContain("203.0.113.5");
            // edge: on eth1, in an instance of its own
            VrrpInstance edge = r.instances().stream().filter(i -> i.vips().contains(IpAddress.parse("198.51.100.40")))
                    .findFirst().orElseThrow();
            assertThat(edge.iface()).isEqualTo(InterfaceName.parse("eth1"));
            assertThat(edge.vips()).containsExactly(IpAddress.parse("198.51.100.40"));
            assertThat(conf).contains("vrrp_instance " + edge.name() + " {\n  state BACKUP\n  interface eth1\n");
            // routed: announced by BGP (another applier), no VRRP instance, forwarded as any VIP
            assertThat(conf).doesNotContain("203.0.113.70");
            assertThat(nft.inForce()).contains("203.0.113.70");
            // the default VIPs are where they always were
            assertThat(conf).contains("interface eth0", "192.0.2.241");
            assertThat(events.withReason("InvalidEntry")).isEmpty();
        }
    }

    @Test
    void aRefusedPlacementIsReportedAndTheLastGoodOneStaysInForce() throws Exception {
        Reconciler r = reconciler(InstanceMode.SINGLE);
        // refused before any good one: every VIP with the default placement
        r.sync(placed().placement("{not json").snapshot());
        assertThat(keepalived.inForce()).doesNotContain("interface eth1").contains("198.51.100.40", "203.0.113.70");
        assertThat(events.withReason("InvalidEntry")).singleElement().satisfies(e -> assertThat(e.message())
                .startsWith("ENTRY_REFUSED \"vipkeeper.io/pool-placement\": vipkeeper.io/pool-placement is not JSON")
                .endsWith("; the last good placement stays in force"));
        assertThat(gauge("vipkeeper_entries_refused_in_force")).isEqualTo(1);

        r.sync(placed().snapshot());
        String good = keepalived.inForce();
        assertThat(good).contains("interface eth1").doesNotContain("203.0.113.70");
        assertThat(gauge("vipkeeper_entries_refused_in_force")).isEqualTo(0);

        // hostile: whatever it tries, nothing of it reaches keepalived.conf, and the last good placement stays
        events.events.clear();
        for (String hostile : new String[] {
                "{\"edge\":{\"addresses\":[\"198.51.100.32/28\"],\"interface\":\"eth1\\n}\\nvrrp_script pwn {\\n script \\\"/bin/sh\\\"\"}}",
                "{\"edge\":{\"addresses\":[\"198.51.100.32/28\\n}\"],\"interface\":\"eth1\"}}",
                "{\"edge\":{\"addresses\":[\"198.51.100.32/28\"],\"interface\":\"eth1\",\"notify\":\"/bin/sh\"}}",
                "{\"e\\ndge\":{\"addresses\":[\"198.51.100.32/28\"]}}",
                "{\"edge\":{\"addresses\":[\"198.51.100.32/28\"],\"nodeSelector\":{\"matchLabels\":{\"rack\":\"r1;reboot\"}}}}",
                "[1,2,3]"}) {
            r.sync(placed().placement(hostile).snapshot());
            assertThat(keepalived.inForce()).as(hostile).isEqualTo(good);
            assertThat(keepalived.inForce()).doesNotContain("pwn", "/bin/sh", "reboot", "notify ");
        }
        assertThat(events.withReason("InvalidEntry")).hasSize(6)
                .allSatisfy(e -> assertThat(e.message()).startsWith("ENTRY_REFUSED \"vipkeeper.io/pool-placement\""));
        assertThat(gauge("vipkeeper_entries_refused_in_force")).isEqualTo(1);
    }

    @Test
    void theHolderSeriesExistsOnlyWhileThisNodeIsMaster() throws Exception {
        Reconciler r = reconciler(InstanceMode.SINGLE);
        r.sync(cluster.snapshot());
        assertThat(series("vipkeeper_vip_holder", "vip", "192.0.2.241")).isNull();
        r.vrrp().update("vips", VrrpStates.State.MASTER);
        assertThat(series("vipkeeper_vip_holder", "vip", "192.0.2.241", "node", "node-a")).isEqualTo(1.0);
        assertThat(series("vipkeeper_vip_holder", "vip", "192.0.2.240", "node", "node-a")).isEqualTo(1.0);
        for (VrrpStates.State lost : new VrrpStates.State[] {VrrpStates.State.BACKUP, VrrpStates.State.FAULT}) {
            r.vrrp().update("vips", lost);
            assertThat(series("vipkeeper_vip_holder", "vip", "192.0.2.241")).as(lost.name()).isNull();
            r.vrrp().update("vips", VrrpStates.State.MASTER);
            assertThat(series("vipkeeper_vip_holder", "vip", "192.0.2.241")).isEqualTo(1.0);
        }
        // a VIP that leaves the table leaves the metric with it
        r.sync(cluster.without("192.0.2.240").snapshot());
        assertThat(series("vipkeeper_vip_holder", "vip", "192.0.2.240")).isNull();
        r.close();
        assertThat(series("vipkeeper_vip_holder", "vip", "192.0.2.241")).isNull();
    }

    @Test
    void theMasterRecordsItsBackupsAndSinceOnEachServiceAndOnlyWhatChanged() throws Exception {
        Reconciler r = reconciler(InstanceMode.SINGLE);
        r.sync(cluster.snapshot());
        assertThat(holders.written).isEmpty();
        wallClock.set(1_700_000_000_000L);
        r.vrrp().update("vips", VrrpStates.State.MASTER);
        ServiceRef web = ServiceRef.parse("default/web");
        IpAddress vip = IpAddress.parse("192.0.2.241");
        assertThat(holders.written).singleElement().satisfies(w -> {
            assertThat(w.service()).isEqualTo(web);
            assertThat(w.vips()).containsExactly(vip);
            VipHolders.Holder h = w.held().get(vip);
            assertThat(h.master()).isEqualTo("node-a");
            assertThat(h.priority()).isEqualTo(204);
            assertThat(h.backups()).containsExactly(new HolderCandidates.Candidate("node-b", 254));
            assertThat(h.since()).isEqualTo(Instant.ofEpochMilli(1_700_000_000_000L));
            assertThat(h.masterDownSeconds()).isEqualTo(HolderCandidates.masterDownSeconds(AgentSettings.builder(InterfaceName.parse("eth0")).build(), 204));
        });
        wallClock.addAndGet(5_000);
        r.sync(cluster.snapshot());
        assertThat(holders.written).as("nothing changed: no write").hasSize(1);

        // a node joins: new backups, same since
        r.sync(cluster.node("node-c", "192.0.2.13").snapshot());
        assertThat(holders.written).hasSize(2);
        assertThat(holders.last().held().get(vip).backups()).extracting(HolderCandidates.Candidate::node).containsExactly("node-c", "node-b");
        assertThat(holders.last().held().get(vip).since()).isEqualTo(Instant.ofEpochMilli(1_700_000_000_000L));

        // lost: the next master writes; regained: a later since
        r.vrrp().update("vips", VrrpStates.State.BACKUP);
        assertThat(holders.written).hasSize(2);
        wallClock.addAndGet(60_000);
        r.vrrp().update("vips", VrrpStates.State.MASTER);
        assertThat(holders.written).hasSize(3);
        assertThat(holders.last().held().get(vip).since()).isEqualTo(Instant.ofEpochMilli(1_700_000_065_000L));
    }

    /**
     * A Node labelled to be excluded from load balancers: the peers get the conntrack table (beforeHandover) before the
     * node track file puts the instances in FAULT; keepalived.conf does not change; reported (metric, listener) once;
     * the label removed makes the node eligible again without a second bulk send.
     */
    @Test
    void aLabelledNodeHandsOverAfterTheBulkSendAndIsEligibleAgainWhenTheLabelGoes() throws Exception {
        Path nodeFile = runDir.resolve("node-eligible");
        List<String> seen = new ArrayList<>();
        Applier conntrackd = new Applier() {
            @Override
            public Kind kind() {
                return Kind.CONNTRACKD;
            }

            @Override
            public ApplyResult apply(AgentPlan plan) {
                return ApplyResult.UNCHANGED;
            }

            @Override
            public void beforeHandover() {
                seen.add("bulk send, node file " + read(nodeFile));
            }
        };
        AgentSettings settings = AgentSettings.builder(InterfaceName.parse("eth0")).dataplane(Dataplane.NFTABLES)
                .runDir(runDir.toString()).build();
        Reconciler r = new Reconciler("node-a", null, settings, List.of(nft, conntrackd, new TrackFiles()), keepalived,
                () -> List.of(Cidr.parse("192.0.2.0/24")), events, registry, () -> 0,
                announcements.announcer(), runDir.resolve("notify.fifo"), wallClock::get, holders.holders());
        r.onHandover((from, to) -> seen.add(from + " -> " + to));
        r.sync(cluster.snapshot());
        assertThat(read(nodeFile)).isEqualTo("0\n");
        assertThat(excluded("label")).isZero();

        r.sync(cluster.node("node-a", "192.0.2.11", Map.of(Handover.EXCLUDE_LABEL, "")).snapshot());
        assertThat(seen).containsExactly("bulk send, node file 0\n", "null -> LABEL");
        assertThat(read(nodeFile)).isEqualTo("-254\n");
        assertThat(excluded("label")).isEqualTo(1);
        assertThat(excluded("cordon")).isZero();
        assertThat(keepalived.applied).as("the same configuration: no reload").hasSize(1);
        r.sync(cluster.snapshot());
        assertThat(seen).as("reported once").hasSize(2);

        r.sync(cluster.node("node-a", "192.0.2.11", Map.of()).snapshot());
        assertThat(seen).containsExactly("bulk send, node file 0\n", "null -> LABEL", "LABEL -> null");
        assertThat(read(nodeFile)).isEqualTo("0\n");
        assertThat(excluded("label")).isZero();
        assertThat(keepalived.applied).hasSize(1);
    }

    static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "absent";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    double excluded(String reason) {
        return registry.scrape().stream().filter(s -> s.getMetadata().getName().equals("vipkeeper_node_excluded"))
                .flatMap(s -> ((GaugeSnapshot) s).getDataPoints().stream()).filter(d -> d.getLabels().get("reason").equals(reason))
                .mapToDouble(GaugeSnapshot.GaugeDataPointSnapshot::getValue).sum();
    }
}
