package io.vipkeeper.agent;

import static io.vipkeeper.agent.NodeAgentIntegrationTest.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vipkeeper.core.bgp.BgpPeer;
import io.vipkeeper.core.bgp.BgpPeerFlag;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.pool.Announce;
import io.vipkeeper.testsupport.Netns;
import io.vipkeeper.testsupport.RequiresRoot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our bird.conf against another BGP implementation: FRR 8 (zebra, bfdd, bgpd) as the router in a test-made namespace,
 * as a top-of-rack would run it. The session and BFD come up, the VIP's /32 lands in the router's kernel table, and
 * the graceful stop takes it out of that table while the session is still up.
 */
@RequiresRoot("BIRD against an FRR router in network namespaces")
class BirdFrrInteropTest {

    static final IpAddress VIP = IpAddress.parse("203.0.113.10");

    @TempDir
    Path dir;
    String node;
    String router;
    String frrName;
    BirdApplier bird;

    @BeforeEach
    void topology() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/lib/frr/bgpd")), "needs Debian's frr");
        String id = Integer.toHexString(new Random().nextInt(0x100000));
        node = "vkf-n-" + id;
        router = "vkf-r-" + id;
        frrName = router;
        for (List<String> cmd : List.of(List.of("ip", "netns", "add", node), List.of("ip", "netns", "add", router),
                List.of("ip", "-n", node, "link", "add", "eth0", "type", "veth", "peer", "name", "eth0", "netns", router),
                List.of("ip", "-n", node, "addr", "add", "198.51.100.11/24", "dev", "eth0"),
                List.of("ip", "-n", router, "addr", "add", "198.51.100.1/24", "dev", "eth0"),
                List.of("ip", "-n", node, "link", "set", "eth0", "up"), List.of("ip", "-n", router, "link", "set", "eth0", "up"),
                List.of("ip", "-n", node, "link", "set", "lo", "up"), List.of("ip", "-n", router, "link", "set", "lo", "up"))) {
            Netns.Result r = Netns.run(cmd);
            assertThat(r.code()).as("%s: %s", cmd, r.output()).isZero();
        }
        // FRR with -N NAME keeps its sockets under /var/run/frr/NAME and reads /etc/frr/NAME/vtysh.conf; it runs as frr
        Path conf = Files.createDirectories(dir.resolve("frr"));
        Files.createDirectories(Path.of("/var/run/frr", frrName));
        Files.createDirectories(Path.of("/etc/frr", frrName));
        Files.writeString(Path.of("/etc/frr", frrName, "vtysh.conf"), "");
        Files.writeString(conf.resolve("zebra.conf"), "hostname " + frrName + "\n");
        Files.writeString(conf.resolve("bfdd.conf"), "hostname " + frrName + "\nbfd\n profile fast\n  detect-multiplier 3\n"
                + "  receive-interval 100\n  transmit-interval 100\n exit\nexit\n");
        Files.writeString(conf.resolve("bgpd.conf"), """
                hostname %s
                ip prefix-list VIPS seq 10 permit 203.0.113.0/24 ge 32
                route-map NODES-IN permit 10
                 match ip address prefix-list VIPS
                exit
                route-map DENY deny 10
                exit
                router bgp 65000
                 bgp router-id 198.51.100.1
                 no bgp ebgp-requires-policy
                 no bgp default ipv4-unicast
                 no bgp graceful-restart
                 neighbor 198.51.100.11 remote-as 65100
                 neighbor 198.51.100.11 timers 1 3
                 neighbor 198.51.100.11 timers connect 2
                 neighbor 198.51.100.11 bfd profile fast
                 address-family ipv4 unicast
                  neighbor 198.51.100.11 activate
                  neighbor 198.51.100.11 route-map NODES-IN in
                  neighbor 198.51.100.11 route-map DENY out
                 exit-address-family
                exit
                """.formatted(frrName));
        Netns.run(List.of("chown", "-R", "frr:frr", conf.toString(), "/var/run/frr/" + frrName, "/var/run/frr"));
        Netns.run(List.of("chmod", "o+x", dir.toString()));
        for (String daemon : List.of("zebra", "bfdd", "bgpd")) {
            Netns.Result r = Netns.run(List.of("ip", "netns", "exec", router, "/usr/lib/frr/" + daemon, "-d", "-N", frrName, "-f",
                    conf.resolve(daemon + ".conf").toString(), "-i", "/var/run/frr/" + frrName + "/" + daemon + ".pid", "-A", "127.0.0.1"));
            assertThat(r.code()).as("%s: %s", daemon, r.output()).isZero();
            if (daemon.equals("zebra")) {
                await(() -> Files.exists(Path.of("/var/run/frr", frrName, "zserv.api")), "zebra's socket", Duration.ofSeconds(10));
            }
        }
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (bird != null) {
            bird.close();
        }
        for (String daemon : List.of("bgpd", "bfdd", "zebra")) {
            Path pid = Path.of("/var/run/frr", frrName, daemon + ".pid");
            if (Files.exists(pid)) {
                Netns.run(List.of("kill", Files.readString(pid).strip()));
            }
        }
        Netns.run(List.of("ip", "netns", "del", node));
        Netns.run(List.of("ip", "netns", "del", router));
        Netns.run(List.of("rm", "-rf", "/var/run/frr/" + frrName, "/etc/frr/" + frrName));
    }

    String routerFib() {
        return Netns.run(List.of("ip", "-n", router, "route", "show", VIP + "/32")).output();
    }

    String vtysh(String command) {
        return Netns.run(List.of("ip", "netns", "exec", router, "vtysh", "-N", frrName, "-c", command)).output();
    }

    @Test
    void frrLearnsTheVipWithBfdAndLosesItOnAGracefulStop() throws Exception {
        BgpPeer peer = BgpPeerFlag.parse("address=198.51.100.1,asn=65000,local-asn=65100").peer();
        BgpContext context = new BgpContext("node-a", Announce.BGP, List.of(peer));
        bird = new BirdApplier(HostCommands.inNetns(node), new BirdApplier.Spec("bird", Files.createDirectories(dir.resolve("node")),
                IpAddress.parse("198.51.100.11"), Duration.ofSeconds(2)), context, new PrometheusRegistry(), (p, from, to, up) -> { });
        assertThat(bird.apply(BirdApplierTest.plan(VIP)).outcome()).isEqualTo(ApplyResult.Outcome.STARTED);
        await(() -> routerFib().contains("via 198.51.100.11"), "the VIP in FRR's kernel table", Duration.ofSeconds(60));
        await(() -> vtysh("show bfd peers").contains("Status: up"), "BFD up on FRR", Duration.ofSeconds(20));

        List<String> states = new ArrayList<>();
        CompletableFuture<Void> closing = CompletableFuture.runAsync(bird::close);
        await(() -> routerFib().isBlank(), "the withdrawal in FRR's kernel table", Duration.ofSeconds(10));
        states.add(vtysh("show bgp ipv4 unicast summary json"));
        closing.get();
        bird = null;
        assertThat(states.get(0)).as("the session still up when the route left").containsPattern("\"state\":\\s*\"Established\"");
    }
}
