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
import io.vipkeeper.core.render.KeepalivedConfig;
import io.vipkeeper.core.render.NftablesRuleset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
    final PrometheusRegistry registry = new PrometheusRegistry();
    final AtomicLong wallClock = new AtomicLong(1_000_000);
    final ClusterState cluster = new ClusterState().node("node-a", "192.0.2.11").node("node-b", "192.0.2.12")
            .entry("192.0.2.240", "").entry("192.0.2.241", "default/web")
            .service("default/web", TrafficPolicy.CLUSTER).endpoint("default/web", "198.51.100.1", "node-b");

    Reconciler reconciler(InstanceMode mode) {
        AgentSettings settings = AgentSettings.builder(InterfaceName.parse("eth0")).dataplane(Dataplane.NFTABLES)
                .instanceMode(mode).runDir(runDir.toString()).build();
        return new Reconciler("node-a", null, settings, List.of(nft, new TrackFiles()), keepalived,
                () -> List.of(Cidr.parse("192.0.2.0/24")), events, registry, () -> 0,
                announcements.announcer(), runDir.resolve("notify.fifo"), wallClock::get);
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
        var snapshot = cluster.snapshot();
        bgp.observed(snapshot, new PoolPlacements(List.of(new PoolPlacement("routed", List.of(IpRange.parse("192.0.2.241-192.0.2.241")),
                Announce.BGP, null, null, List.of(), null))));
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
}
