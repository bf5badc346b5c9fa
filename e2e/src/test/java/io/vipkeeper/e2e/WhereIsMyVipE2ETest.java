package io.vipkeeper.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vipkeeper.lab.lan.AddressPlan;
import io.vipkeeper.lab.lan.Failover;
import io.vipkeeper.lab.lan.ProbeStream;
import io.vipkeeper.platform.process.Exec;
import io.vipkeeper.testsupport.RequiresRoot;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * "Where is my VIP" across a failover: the MASTER's link is cut; kubectl then shows the new master in the Service's
 * vipkeeper.io/vip-holders annotation (the old one gone from master, named as previous, a later since), and the
 * vipkeeper_vip_holder series is 1 on the new master and absent on every other node, the old master included.
 */
@RequiresRoot("a lab: the vip-holders annotation and metric across a cut link")
class WhereIsMyVipE2ETest {

    static final ObjectMapper JSON = new ObjectMapper();
    static LabFixture f;
    static String vip;

    @BeforeAll
    static void up() throws Exception {
        f = new LabFixture(3, "single");
        vip = f.helloServiceHeldByOne("hello");
    }

    @AfterAll
    static void down() {
        if (f != null) {
            f.close();
        }
    }

    /** The vip-holders member of {@code vip}, as kubectl prints it with jsonpath. */
    static Optional<JsonNode> holderByKubectl() throws Exception {
        return holderByKubectl(f, vip);
    }

    /** The vip-holders member of {@code vip} on Service default/hello of {@code f}'s lab, as kubectl prints it. */
    static Optional<JsonNode> holderByKubectl(LabFixture f, String vip) throws Exception {
        Path cache = Files.createTempDirectory("vk-kube-cache");
        Exec.Result r = Exec.run(List.of("kubectl", "--kubeconfig", f.lab.paths().kubeconfig().toString(), "--cache-dir", cache.toString(),
                "get", "svc", "hello", "-n", "default", "-o", "jsonpath={.metadata.annotations.vipkeeper\\.io/vip-holders}"),
                Duration.ofSeconds(20));
        if (!r.ok() || r.stdout().isBlank()) {
            return Optional.empty();
        }
        JsonNode m = JSON.readTree(r.stdout()).path(vip);
        return m.isObject() ? Optional.of(m) : Optional.empty();
    }

    /** The value of vipkeeper_vip_holder for the VIP on node {@code i}: null when the node has no such series. */
    static Double holderSeries(int i) throws Exception {
        HttpResponse<String> r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build().send(HttpRequest.newBuilder(
                URI.create("http://" + f.plan().nodeIp(i) + ":" + AddressPlan.AGENT_HTTP_PORT + "/metrics")).timeout(Duration.ofSeconds(2)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("/metrics of node " + i + ": HTTP " + r.statusCode());
        }
        return r.body().lines().filter(l -> l.startsWith("vipkeeper_vip_holder{") && l.contains("vip=\"" + vip + "\""))
                .map(l -> {
                    assertThat(l).as("the series names its node").contains("node=\"" + AddressPlan.nodeNs(i) + "\"");
                    return Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1));
                }).findFirst().orElse(null);
    }

    /** Only node {@code master} has the series, at 1. */
    static boolean metricsSay(int master) throws Exception {
        for (int i : f.plan().nodeIndexes()) {
            Double v = holderSeries(i);
            if (i == master ? v == null || v != 1.0 : v != null) {
                return false;
            }
        }
        return true;
    }

    @Test
    void afterTheMastersLinkIsCutKubectlAndTheMetricsNameTheNewMaster() throws Exception {
        int master = Failover.awaitSingleHolder(f.plan(), vip, 500, 20_000);
        assertThat(master).isPositive();
        String masterName = AddressPlan.nodeNs(master);
        JsonNode[] before = new JsonNode[1];
        LabFixture.awaitTrue(() -> {
            before[0] = holderByKubectl().orElse(null);
            return before[0] != null && before[0].path("master").asText().equals(masterName);
        }, "kubectl shows " + masterName + " as the master of " + vip, Duration.ofSeconds(20));
        List<String> backups = new ArrayList<>();
        before[0].path("backups").forEach(b -> backups.add(b.path("node").asText()));
        assertThat(backups).containsExactlyInAnyOrderElementsOf(f.plan().nodeIndexes().stream().filter(i -> i != master)
                .map(AddressPlan::nodeNs).toList());
        // single mode, 3 nodes, addresses in node order: 154, 204, 254 (spaced so a planned handover moves the VIP once)
        Map<String, Integer> priority = Map.of(AddressPlan.nodeNs(1), 154, AddressPlan.nodeNs(2), 204, AddressPlan.nodeNs(3), 254);
        assertThat(before[0].path("priority").asInt()).isEqualTo(priority.get(masterName));
        before[0].path("backups").forEach(b -> assertThat(b.path("priority").asInt()).as(b.path("node").asText())
                .isEqualTo(priority.get(b.path("node").asText())));
        LabFixture.awaitTrue(() -> metricsSay(master), "vipkeeper_vip_holder only on " + masterName, Duration.ofSeconds(10));
        Instant since = Instant.parse(before[0].path("since").asText());

        Failover.Round round;
        try (ProbeStream probe = new ProbeStream(vip, 80, 10, 1000, 6000, 60)) {
            round = Failover.round(1, f.plan(), vip, probe, 5_000);
        }
        assertThat(round.newNode()).isPositive().isNotEqualTo(master);
        int now = Failover.awaitSingleHolder(f.plan(), vip, 1000, 20_000);
        assertThat(now).as("single mode, nopreempt: the VIP stays where it went").isEqualTo(round.newNode());
        String nowName = AddressPlan.nodeNs(now);

        JsonNode[] after = new JsonNode[1];
        LabFixture.awaitTrue(() -> {
            after[0] = holderByKubectl().orElse(null);
            return after[0] != null && after[0].path("master").asText().equals(nowName);
        }, "kubectl shows " + nowName + " as the master of " + vip, Duration.ofSeconds(20));
        assertThat(after[0].path("previous").asText()).isEqualTo(masterName);
        assertThat(Instant.parse(after[0].path("since").asText())).isAfter(since);
        assertThat(after[0].path("masterDownSeconds").asDouble()).isBetween(0.3, 0.4);
        List<String> backupsAfter = new ArrayList<>();
        after[0].path("backups").forEach(b -> backupsAfter.add(b.path("node").asText()));
        assertThat(backupsAfter).contains(masterName).doesNotContain(nowName);
        // the old master (its link back, BACKUP now) has no series left: no stale 1 (MetalLB #1972)
        LabFixture.awaitTrue(() -> metricsSay(now), "vipkeeper_vip_holder only on " + nowName + ", none on " + masterName,
                Duration.ofSeconds(15));
    }
}
