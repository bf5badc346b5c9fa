package io.vipkeeper.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.vipkeeper.lab.lan.AddressPlan;
import io.vipkeeper.lab.lan.Failover;
import io.vipkeeper.lab.lan.Lan;
import io.vipkeeper.lab.lan.ProbeStream;
import io.vipkeeper.testsupport.RequiresRoot;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * One lab (3 nodes, 3 pods of app=hello) for the cluster-level behaviour: Services get addresses and traffic, pods
 * come and go, the controller and the API server go away, a node joins. Every check is real traffic from vk-client.
 */
@RequiresRoot("a lab: addresses and traffic through the VIP, readiness, scaling, controller restart, API server outage, node join, agent stop")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterE2ETest {

    static LabFixture f;
    static String vip;

    @BeforeAll
    static void up() throws Exception {
        f = new LabFixture(3, "single");
        f.createService("hello", "hello");
        vip = f.awaitAddress("hello");
    }

    @AfterAll
    static void down() {
        if (f != null) {
            f.close();
        }
    }

    @Test
    @Order(1)
    void loadBalancerServiceGetsAnAddressAndReachesEveryReadyPodFollowingReadinessAndScale() throws Exception {
        assertThat(vip).startsWith(f.plan().prefix() + ".2");
        LabFixture.awaitTrue(() -> f.podsAnswering(vip, 30).equals(Set.of("hello-1", "hello-2", "hello-3")), "every pod answers",
                Duration.ofSeconds(20));

        // a pod marked not ready gets no more traffic; ready again, it does
        f.lab.markNotReady("hello-2", true);
        LabFixture.awaitTrue(() -> f.podsAnswering(vip, 30).equals(Set.of("hello-1", "hello-3")), "hello-2 not ready: no traffic",
                Duration.ofSeconds(15));
        f.lab.markNotReady("hello-2", false);
        LabFixture.awaitTrue(() -> f.podsAnswering(vip, 30).contains("hello-2"), "hello-2 ready again", Duration.ofSeconds(15));

        // scale up and down
        f.lab.scale("hello", 5);
        LabFixture.awaitTrue(() -> f.podsAnswering(vip, 50).size() == 5, "5 pods answer", Duration.ofSeconds(60));
        f.lab.scale("hello", 2);
        LabFixture.awaitTrue(() -> f.podsAnswering(vip, 30).equals(Set.of("hello-1", "hello-2")), "only 2 pods answer", Duration.ofSeconds(20));
        f.lab.scale("hello", 3);
        LabFixture.awaitTrue(() -> f.podsAnswering(vip, 30).size() == 3, "3 pods again", Duration.ofSeconds(60));
    }

    @Test
    @Order(2)
    void handWrittenConfigMapEntryIsHeldAndAnswersPing() {
        String hand = f.plan().handWrittenVip();
        f.editVipConfigMap(cm -> new ConfigMapBuilder(cm).addToData(hand, "").build());
        LabFixture.awaitTrue(() -> f.lab.holders(hand).size() == 1, "one node holds " + hand, Duration.ofSeconds(10));
        LabFixture.awaitTrue(() -> Lan.quiet("ip", "netns", "exec", AddressPlan.CLIENT_NS, "ping", "-c", "1", "-W", "1", hand),
                hand + " answers ping from vk-client", Duration.ofSeconds(10));
        // the controller keeps the hand-written entry
        assertThat(f.lab.client().configMaps().inNamespace("kube-system").withName("vip-configmap").get().getData()).containsEntry(hand, "");
    }

    @Test
    @Order(3)
    void deletedServiceVipLeavesEveryNodeWithinTwoSeconds() {
        f.createService("short-lived", "hello");
        String ip = f.awaitAddress("short-lived");
        LabFixture.awaitTrue(() -> f.lab.holders(ip).size() == 1, "one node holds " + ip, Duration.ofSeconds(10));
        f.lab.client().services().inNamespace("default").withName("short-lived").delete();
        LabFixture.awaitTrue(() -> f.lab.holders(ip).isEmpty(), ip + " gone from every node", Duration.ofSeconds(2));
    }

    @Test
    @Order(4)
    void controllerRestartedNoServiceChangesItsAddress() throws Exception {
        f.createService("keep-a", "hello");
        f.createService("keep-b", "hello");
        List<String> kept = List.of("hello", "keep-a", "keep-b");
        Map<String, String> before = addresses(kept);
        List<String> seen;
        try (AddressLog log = new AddressLog(f.lab.client(), kept)) {
            f.lab.stopController();
            f.lab.startController();
            // The restarted controller rebuilds from every Service and reconciles them all in one batch before it
            // allocates anything new: once keep-c has an address and the VIP ConfigMap lists it, that batch is done.
            f.createService("keep-c", "hello");
            String c = f.awaitAddress("keep-c");
            assertThat(before.values()).doesNotContain(c);
            LabFixture.awaitTrue(() -> f.lab.client().configMaps().inNamespace("kube-system").withName("vip-configmap").get().getData()
                    .containsKey(c), "the restarted controller's VIP ConfigMap lists " + c, Duration.ofSeconds(10));
            seen = log.seen();
        }
        // every change the API server sent for the three during the restart and that batch: none moved, none cleared
        assertThat(seen).as("changes to the addresses of %s while the controller restarted and reconciled", kept)
                .allMatch(e -> e.endsWith(" [" + before.get(e.split(" ")[0]) + "]"));
        assertThat(addresses(kept)).isEqualTo(before);
        assertThat(f.podsAnswering(vip, 10)).isNotEmpty();
    }

    private Map<String, String> addresses(List<String> names) {
        Map<String, String> out = new HashMap<>();
        for (String n : names) {
            out.put(n, f.awaitAddress(n));
        }
        return out;
    }

    @Test
    @Order(5)
    void apiServerStoppedForThirtySecondsTrafficKeepsFlowingAndLaterChangesApply() throws Exception {
        List<ProbeStream.Answer> answers;
        try (ProbeStream probe = new ProbeStream(vip, 80, 50, 1000, 800, 40)) {
            Thread.sleep(1000);
            f.lab.pauseApi();
            try {
                Thread.sleep(30_000);
            } finally {
                f.lab.resumeApi();
            }
            Thread.sleep(1000);
            answers = probe.answers();
        }
        assertThat(answers.size()).as("requests sent during the outage").isGreaterThan(500);
        assertThat(answers).as("every request through the VIP while the API server was down").allMatch(ProbeStream.Answer::ok);

        // changes made after it returns are applied: a new Service gets an address and carries traffic
        f.createService("after-outage", "hello");
        String ip = f.awaitAddress("after-outage", Duration.ofSeconds(90));
        LabFixture.awaitTrue(() -> f.lab.holders(ip).size() == 1, "one node holds " + ip, Duration.ofSeconds(90));
        LabFixture.awaitTrue(() -> f.podsAnswering(ip, 10).size() >= 2, "traffic through " + ip, Duration.ofSeconds(30));
    }

    @Test
    @Order(6)
    void nodeAddedWhileTrafficFlowsJoinsVrrpWithoutAnyOtherAgentRestarting() throws Exception {
        Map<Integer, Long> agentPids = new HashMap<>();
        Map<Integer, Long> keepalivedPids = new HashMap<>();
        for (int i : f.plan().nodeIndexes()) {
            agentPids.put(i, f.lab.agentProcess(i).orElseThrow().pid());
            keepalivedPids.put(i, f.lab.keepalivedPid(i).orElseThrow());
        }
        List<ProbeStream.Answer> answers;
        int added;
        try (ProbeStream probe = new ProbeStream(vip, 80, 20, 1000, 2000, 40)) {
            Thread.sleep(500);
            added = f.lab.addNode();
            String addedIp = f.plan().nodeIp(added);
            // the new node runs BACKUP for the VIP (its agent's /metrics: vipkeeper_vrrp_state 1 = BACKUP) ...
            LabFixture.awaitTrue(() -> vrrpState(addedIp, vip) == 1, AddressPlan.nodeNs(added) + " BACKUP for " + vip, Duration.ofSeconds(60));
            // ... and every other node has it as a unicast peer
            for (int i : agentPids.keySet()) {
                LabFixture.awaitTrue(() -> Files.readString(f.lab.paths().nodeRunDir(i).resolve("keepalived.conf")).contains(addedIp),
                        AddressPlan.nodeNs(i) + " has " + addedIp + " as a peer", Duration.ofSeconds(10));
            }
            Thread.sleep(1000);
            answers = probe.answers();
        }
        assertThat(answers).hasSizeGreaterThan(100).allMatch(ProbeStream.Answer::ok);
        for (int i : agentPids.keySet()) {
            assertThat(f.lab.agentProcess(i).orElseThrow().pid()).as("agent of node %d", i).isEqualTo(agentPids.get(i));
            assertThat(f.lab.agentRestarts(i)).isZero();
            assertThat(f.lab.keepalivedPid(i)).as("keepalived of node %d (reloaded, not restarted)", i).contains(keepalivedPids.get(i));
        }
        // the new node can carry the VIP: cut the MASTER and the VIP moves to one of the remaining nodes
        assertThat(Failover.awaitSingleHolder(f.plan(), vip, 500, 10_000)).isPositive();
    }

    /**
     * What a pod termination does to the agent (tini forwards SIGTERM to the JVM): it stops keepalived, which hands
     * the VIP over at once (priority 0 advert), removes its VIPs and the nftables table; another node carries on.
     */
    @Test
    @Order(7)
    void agentTerminatedReleasesItsVipsAndAnotherNodeTakesOver() throws Exception {
        int master = Failover.awaitSingleHolder(f.plan(), vip, 500, 10_000);
        assertThat(master).isPositive();
        long pid = f.lab.agentProcess(master).orElseThrow().pid();
        ProcessHandle.of(pid).orElseThrow().destroy(); // SIGTERM
        LabFixture.awaitTrue(() -> !f.lab.holders(vip).contains(master) && f.lab.holders(vip).size() == 1,
                "the VIP off node " + master + " and on exactly one other node", Duration.ofSeconds(3));
        LabFixture.awaitTrue(() -> ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true), "the agent exited", Duration.ofSeconds(15));
        // the lab restarts the agent as the DaemonSet would; nopreempt: the VIP stays where it went
        LabFixture.awaitTrue(() -> f.lab.agentProcess(master).map(p -> p.pid() != pid).orElse(false), "the agent restarted",
                Duration.ofSeconds(15));
        LabFixture.awaitTrue(() -> f.podsAnswering(vip, 10).size() >= 2, "traffic through " + vip, Duration.ofSeconds(20));
        assertThat(f.lab.holders(vip)).doesNotContain(master).hasSize(1);
    }

    /** The agent's vipkeeper_vrrp_state for a VIP (0 unknown, 1 BACKUP, 2 MASTER, 3 FAULT), -1 when not readable. */
    static int vrrpState(String nodeIp, String vip) {
        try {
            HttpResponse<String> r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build().send(HttpRequest.newBuilder(
                    URI.create("http://" + nodeIp + ":" + AddressPlan.AGENT_HTTP_PORT + "/metrics")).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.body().lines().filter(l -> l.startsWith("vipkeeper_vrrp_state{") && l.contains("\"" + vip + "\""))
                    .mapToInt(l -> (int) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElse(-1);
        } catch (Exception e) {
            return -1;
        }
    }
}
