package io.vipkeeper.agent;

import static io.vipkeeper.agent.NodeAgentIntegrationTest.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.vipkeeper.core.agent.AgentSettings;
import io.vipkeeper.core.agent.InterfaceName;
import io.vipkeeper.core.agent.ResolvedVip;
import io.vipkeeper.core.bgp.BgpPeer;
import io.vipkeeper.core.bgp.BgpPeerFlag;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.plan.AgentPlan;
import io.vipkeeper.core.pool.Announce;
import io.vipkeeper.testsupport.Netns;
import io.vipkeeper.testsupport.RequiresRoot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The BIRD applier with a real BIRD in a test-made node namespace, peering over a veth with a second BIRD acting as
 * the router (the lab and e2e use FRR as the router): session up, the VIP announced and bound on lo, the
 * {@code bird -p} gate keeping the last good configuration, withdrawal of a removed VIP, and the graceful stop
 * (the router loses the route while the session is still up).
 */
@RequiresRoot("the BIRD applier against a BIRD router in network namespaces")
class BirdApplierTest {

    static final IpAddress VIP1 = IpAddress.parse("198.51.100.200");
    static final IpAddress VIP2 = IpAddress.parse("198.51.100.201");

    @TempDir
    Path dir;
    String node;
    String router;
    Process routerBird;
    BirdApplier bird;
    final List<String> events = new CopyOnWriteArrayList<>();

    @BeforeEach
    void topology() throws IOException {
        String id = Integer.toHexString(new Random().nextInt(0x100000));
        node = "vkb-n-" + id;
        router = "vkb-r-" + id;
        for (List<String> cmd : List.of(List.of("ip", "netns", "add", node), List.of("ip", "netns", "add", router),
                List.of("ip", "-n", node, "link", "add", "eth0", "type", "veth", "peer", "name", "eth0", "netns", router),
                List.of("ip", "-n", node, "addr", "add", "198.51.100.11/24", "dev", "eth0"),
                List.of("ip", "-n", router, "addr", "add", "198.51.100.1/24", "dev", "eth0"),
                List.of("ip", "-n", node, "link", "set", "eth0", "up"), List.of("ip", "-n", router, "link", "set", "eth0", "up"),
                List.of("ip", "-n", node, "link", "set", "lo", "up"), List.of("ip", "-n", router, "link", "set", "lo", "up"))) {
            Netns.Result r = Netns.run(cmd);
            assertThat(r.code()).as("%s: %s", cmd, r.output()).isZero();
        }
        Path rdir = Files.createDirectories(dir.resolve("router"));
        Files.writeString(rdir.resolve("bird.conf"), """
                router id 198.51.100.1;
                protocol device { }
                protocol bfd { }
                protocol bgp node1 {
                  local 198.51.100.1 as 65000;
                  neighbor 198.51.100.11 as 65100;
                  hold time 3; keepalive time 1; connect retry time 2; error wait time 1, 10;
                  bfd { min rx interval 100 ms; min tx interval 100 ms; multiplier 3; };
                  ipv4 { import all; export none; };
                }
                """);
        routerBird = new ProcessBuilder("ip", "netns", "exec", router, "bird", "-f", "-c", rdir.resolve("bird.conf").toString(),
                "-s", rdir.resolve("bird.ctl").toString(), "-P", rdir.resolve("bird.pid").toString()).redirectErrorStream(true)
                .redirectOutput(rdir.resolve("out.log").toFile()).start();
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (bird != null) {
            bird.close();
        }
        if (routerBird != null) {
            routerBird.destroy();
            routerBird.waitFor();
        }
        Netns.run(List.of("ip", "netns", "del", node));
        Netns.run(List.of("ip", "netns", "del", router));
    }

    String routerRoutes() {
        return Netns.run(List.of("birdc", "-s", dir.resolve("router/bird.ctl").toString(), "show", "route")).output();
    }

    String routerSession() {
        return Netns.run(List.of("birdc", "-s", dir.resolve("router/bird.ctl").toString(), "show", "protocols", "node1")).output();
    }

    /** The Since column of {@link #routerSession()} (hh:mm:ss.mmm). */
    static LocalTime sessionSince(String showProtocols) {
        Matcher m = Pattern.compile("\\b(\\d\\d:\\d\\d:\\d\\d\\.\\d{3})\\b").matcher(showProtocols);
        assertThat(m.find()).as("a Since time in %s", showProtocols).isTrue();
        return LocalTime.parse(m.group(1));
    }

    String lo() {
        return Netns.run(List.of("ip", "-n", node, "-o", "addr", "show", "dev", "lo")).output();
    }

    static AgentPlan plan(IpAddress... vips) {
        List<ResolvedVip> v = new ArrayList<>();
        for (IpAddress a : vips) {
            v.add(new ResolvedVip(a, List.of(), false));
        }
        return new AgentPlan(AgentSettings.builder(new InterfaceName("eth0")).build(), v, List.of(), List.of());
    }

    @Test
    void announcesGatesWithdrawsAndStopsGracefully() throws Exception {
        BgpPeer peer = BgpPeerFlag.parse("address=198.51.100.1,asn=65000,local-asn=65100").peer();
        BgpContext context = new BgpContext("node-a", Announce.BGP, List.of(peer));
        PrometheusRegistry registry = new PrometheusRegistry();
        bird = new BirdApplier(HostCommands.inNetns(node), new BirdApplier.Spec("bird", Files.createDirectories(dir.resolve("node")),
                IpAddress.parse("198.51.100.11"), Duration.ofSeconds(2)), context, registry,
                (p, from, to, up) -> events.add(from + "->" + to));

        assertThat(bird.apply(plan(VIP1)).outcome()).isEqualTo(ApplyResult.Outcome.STARTED);
        await(() -> routerRoutes().contains("198.51.100.200/32"), "the VIP's route on the router", Duration.ofSeconds(30));
        assertThat(lo()).contains("198.51.100.200/32");
        assertThat(Netns.run(List.of("ip", "netns", "exec", node, "sysctl", "-n", "net.ipv4.conf.all.arp_ignore")).output().strip()).isEqualTo("1");
        await(() -> "Established".equals(bird.sessions().get(peer.name())), "the session read from the control socket", Duration.ofSeconds(10));
        await(() -> events.contains("Idle->Established") || events.stream().anyMatch(e -> e.endsWith("->Established")), "a session event",
                Duration.ofSeconds(5));
        await(() -> scrape(registry).contains("vipkeeper_bgp_session_up{peer=\"198.51.100.1\"} 1"), "session metric", Duration.ofSeconds(5));
        await(() -> scrape(registry).contains("vipkeeper_bgp_bfd_up{peer=\"198.51.100.1\"} 1"), "BFD metric", Duration.ofSeconds(10));
        assertThat(bird.health()).isEmpty();

        // the gate: a configuration bird -p refuses is reported and never used; the last good one stays
        String good = Files.readString(dir.resolve("node/bird.conf"));
        ApplyResult refused = bird.apply("router id 198.51.100.11;\nprotocol bgp broken { neighbor 198.51.100.1 as 65000 }\n");
        assertThat(refused.rejected()).isTrue();
        assertThat(refused.error()).contains("bird -p").contains("syntax error");
        assertThat(Files.readString(dir.resolve("node/bird.conf"))).isEqualTo(good);
        assertThat(routerRoutes()).contains("198.51.100.200/32");

        // a second VIP comes, the first goes: announced and withdrawn by configure, the session stays
        assertThat(bird.apply(plan(VIP1, VIP2)).outcome()).isEqualTo(ApplyResult.Outcome.APPLIED);
        await(() -> routerRoutes().contains("198.51.100.201/32"), "the second VIP's route", Duration.ofSeconds(10));
        String since = routerSession();
        assertThat(bird.apply(plan(VIP2)).outcome()).isEqualTo(ApplyResult.Outcome.APPLIED);
        await(() -> !routerRoutes().contains("198.51.100.200/32"), "the first VIP withdrawn", Duration.ofSeconds(10));
        assertThat(lo()).doesNotContain("198.51.100.200/32").contains("198.51.100.201/32");
        // no session reset: the same Since (BIRD prints it from its monotonic clock, so it may move by a millisecond;
        // a reset would show a time after the configure, at least its 1 s connect delay later)
        String after = routerSession();
        assertThat(after).contains("Established");
        assertThat(Duration.between(sessionSince(since), sessionSince(after)).abs()).as("%s then %s", since, after)
                .isLessThan(Duration.ofMillis(100));

        // graceful stop: the route leaves the router while the session is still up, then BIRD stops
        CompletableFuture<Void> closing = CompletableFuture.runAsync(bird::close);
        await(() -> !routerRoutes().contains("198.51.100.201/32"), "the withdrawal on the router", Duration.ofSeconds(10));
        assertThat(routerSession()).contains("Established");
        closing.get();
        bird = null;
        assertThat(lo()).doesNotContain("198.51.100.201/32");
        await(() -> !routerSession().contains("Established"), "the session closed after the drain", Duration.ofSeconds(10));
    }

    /**
     * An agent killed with BIRD leaves its BGP VIPs bound on lo; the next one removes those its plan does not hold (a
     * deleted Service's address stayed, answered locally on the node), keeps a foreign address, and lists what it binds.
     */
    @Test
    void bgpVipsAKilledAgentLeftOnLoAreRemovedByTheNextOne() throws Exception {
        Path run = Files.createDirectories(dir.resolve("node"));
        for (String a : List.of("198.51.100.200/32", "198.51.100.201/32", "203.0.113.9/32")) {
            assertThat(Netns.run(List.of("ip", "-n", node, "addr", "add", a, "dev", "lo")).code()).isZero();
        }
        Files.writeString(run.resolve(BoundVipsFile.BGP_ON_LO), "198.51.100.200\n198.51.100.201\n");
        BgpPeer peer = BgpPeerFlag.parse("address=198.51.100.1,asn=65000,local-asn=65100").peer();
        bird = new BirdApplier(HostCommands.inNetns(node), new BirdApplier.Spec("bird", run, IpAddress.parse("198.51.100.11"), Duration.ofSeconds(0)),
                new BgpContext("node-a", Announce.BGP, List.of(peer)), new PrometheusRegistry(), (p, from, to, up) -> { });
        assertThat(bird.apply(plan(VIP2)).outcome()).isEqualTo(ApplyResult.Outcome.STARTED);
        assertThat(lo()).doesNotContain("198.51.100.200/32").contains("198.51.100.201/32", "203.0.113.9/32");
        assertThat(Files.readAllLines(run.resolve(BoundVipsFile.BGP_ON_LO))).containsExactly("198.51.100.201");
        bird.close();
        bird = null;
        assertThat(lo()).doesNotContain("198.51.100.201/32").contains("203.0.113.9/32");
        assertThat(Files.readAllLines(run.resolve(BoundVipsFile.BGP_ON_LO))).isEmpty();
    }

    static String scrape(PrometheusRegistry registry) {
        StringBuilder b = new StringBuilder();
        registry.scrape().forEach(s -> s.getDataPoints().forEach(d -> {
            StringBuilder labels = new StringBuilder();
            d.getLabels().forEach(l -> labels.append(labels.length() == 0 ? "" : ",").append(l.getName()).append("=\"").append(l.getValue()).append('"'));
            double v = d instanceof GaugeDataPointSnapshot g ? g.getValue() : Double.NaN;
            b.append(s.getMetadata().getName()).append(labels.length() == 0 ? "" : "{" + labels + "}").append(' ')
                    .append(v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v)).append('\n');
        }));
        return b.toString();
    }
}
