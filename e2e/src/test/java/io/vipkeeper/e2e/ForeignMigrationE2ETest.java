package io.vipkeeper.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vipkeeper.controller.migrate.ImportCommand;
import io.vipkeeper.lab.Lab;
import io.vipkeeper.lab.lan.AddressPlan;
import io.vipkeeper.lab.lan.ProbeStream;
import io.vipkeeper.platform.process.Sleep;
import io.vipkeeper.testsupport.RequiresRoot;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * docs/migration.md, "From MetalLB" and "From kube-vip", rehearsed: a Service as MetalLB left it
 * ({@code metallb.io/loadBalancerIPs}, its address in the status) and one as kube-vip-cloud-provider and kube-vip left it
 * ({@code kube-vip.io/loadbalancerIPs} and {@code spec.loadBalancerIP}), announced from one node by the previous load
 * balancer ({@link L2Announcer}), while vk-client sends requests through both. vipkeeper's controller takes the Services
 * over without changing an address; its agents come up on the other nodes, then the previous announcer leaves and the
 * last agent comes up on its node. The pool is the lab's {@code --pool} (the VipPool resource is not on this branch);
 * {@code vipkeeper import metallb} is run on that pool as MetalLB writes it. Last, a Service made afterwards with
 * {@code metallb.universe.tf/loadBalancerIPs} gets the address it asks for.
 */
@RequiresRoot("a lab: docs/migration.md, from MetalLB and kube-vip")
class ForeignMigrationE2ETest {

    LabFixture f;
    L2Announcer previous;
    Path dir;

    @AfterEach
    void down() throws Exception {
        if (previous != null) {
            previous.close();
        }
        if (f != null) {
            f.close();
        }
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void servicesOfMetalLbAndKubeVipKeepTheirAddressesAndTrafficFlows() throws Exception {
        f = new LabFixture(p -> new Lab.Options(p, LabFixture.PATHS, "single", 3, List.of(), false, false), 3);
        dir = Files.createTempDirectory("previous-lb");
        AddressPlan plan = f.plan();
        KubernetesClient client = f.lab.client();
        // not the pool's first addresses: had vipkeeper allocated anew, they would change
        String web = plan.address(203);
        String api = plan.address(205);
        f.createService("web", "hello");
        client.services().inNamespace("default").withName("web").edit(s -> new ServiceBuilder(s).editMetadata()
                .addToAnnotations("metallb.io/loadBalancerIPs", web).endMetadata().build());
        f.createService("api", "hello");
        client.services().inNamespace("default").withName("api").edit(s -> new ServiceBuilder(s).editMetadata()
                .addToAnnotations("kube-vip.io/loadbalancerIPs", api).endMetadata().editSpec().withLoadBalancerIP(api).endSpec().build());
        for (var e : Map.of("web", web, "api", api).entrySet()) {
            client.services().inNamespace("default").withName(e.getKey()).editStatus(s -> new ServiceBuilder(s).withNewStatus()
                    .withNewLoadBalancer().addNewIngress().withIp(e.getValue()).endIngress().endLoadBalancer().endStatus().build());
        }
        List<String> pods = client.pods().inNamespace("default").withLabel("app", "hello").list().getItems().stream()
                .map(p -> p.getStatus().getPodIP()).sorted().toList();
        int oldNode = 1;
        previous = L2Announcer.start(oldNode, List.of(web, api), pods, dir.resolve("node" + oldNode));
        // the first requests find ARP and neighbour entries still to resolve (no gratuitous ARP here): once warm, all answer
        LabFixture.awaitTrue(() -> f.requests(web, 3).stream().allMatch(ProbeStream.Answer::ok)
                && f.requests(api, 3).stream().allMatch(ProbeStream.Answer::ok), "the previous load balancer answers", Duration.ofSeconds(30));
        assertThat(f.podsAnswering(web, 6)).as("pods answering through the previous load balancer").hasSizeGreaterThan(1);
        assertThat(f.podsAnswering(api, 6)).hasSizeGreaterThan(1);

        // the pool as MetalLB has it, imported (this lab's controller takes the same range as --pool)
        Path metallb = Files.writeString(dir.resolve("metallb.yaml"), """
                apiVersion: metallb.io/v1beta1
                kind: IPAddressPool
                metadata: {name: lab, namespace: metallb-system}
                spec:
                  addresses: [%s]
                ---
                apiVersion: metallb.io/v1beta1
                kind: L2Advertisement
                metadata: {name: lab, namespace: metallb-system}
                spec:
                  ipAddressPools: [lab]
                """.formatted(plan.pool()));
        StringWriter out = new StringWriter();
        int exit = new CommandLine(new ImportCommand()).setOut(new PrintWriter(out)).execute("metallb", metallb.toString());
        assertThat(exit).isZero();
        assertThat(out.toString()).contains("name: \"lab\"", "- \"" + plan.pool() + "\"");

        try (ProbeStream toWeb = new ProbeStream(web, 80, 20, 1000, 15_000, 240);
             ProbeStream toApi = new ProbeStream(api, 80, 20, 1000, 15_000, 240)) {
            // the controller takes the Services over: the same addresses, now in the VIP ConfigMap
            f.lab.startController();
            LabFixture.awaitTrue(() -> Map.of(web, "default/web", api, "default/api").equals(client.configMaps().inNamespace("kube-system")
                    .withName("vip-configmap").get().getData()), "both Services in the VIP ConfigMap", Duration.ofSeconds(30));
            assertThat(f.awaitAddress("web")).isEqualTo(web);
            assertThat(f.awaitAddress("api")).isEqualTo(api);

            // agents on the other nodes first: one takes the VIPs (both announce them for a while; both forward)
            for (int n : plan.nodeIndexes()) {
                if (n != oldNode) {
                    f.lab.startAgent(n);
                }
            }
            LabFixture.awaitTrue(() -> f.lab.holders(web).stream().anyMatch(n -> n != oldNode)
                    && f.lab.holders(api).stream().anyMatch(n -> n != oldNode), "a vipkeeper node holds both VIPs", Duration.ofSeconds(90));
            long leaves = ProbeStream.nowMicros();
            previous.close(); // the speaker (or kube-vip) leaves its node
            previous = null;
            f.lab.startAgent(oldNode);
            LabFixture.awaitTrue(() -> f.lab.keepalivedPid(oldNode).isPresent(), "vipkeeper's keepalived runs on the old node",
                    Duration.ofSeconds(60));
            int master = f.lab.holders(web).get(0);
            long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (System.nanoTime() < until) {
                assertThat(f.lab.holders(web)).as("holders of %s", web).containsExactly(master);
                assertThat(f.lab.holders(api)).as("holders of %s", api).containsExactly(master);
                Sleep.millis(200);
            }
            long settled = ProbeStream.nowMicros();
            String masterIp = plan.nodeIp(master);
            for (ProbeStream p : List.of(toWeb, toApi)) {
                assertThat(p.await(a -> a.ok() && a.sentMicros() > settled && masterIp.equals(a.from()), 10_000))
                        .as("an answer through %s once vipkeeper announces", AddressPlan.nodeNs(master)).isNotNull();
            }
            toWeb.close();
            toApi.close();
            for (var e : Map.of("web", toWeb, "api", toApi).entrySet()) {
                List<ProbeStream.Answer> answers = e.getValue().answers();
                MigrationE2ETest.Gap gap = MigrationE2ETest.longestGap(answers);
                long failed = answers.stream().filter(a -> !a.ok()).count();
                System.out.printf("migration from a layer-2 load balancer (%s): %d requests, %d failed, longest time without a completed"
                                + " request %d ms, from %+d ms after the previous announcer left%n", e.getKey(), answers.size(), failed,
                        gap.millis(), (gap.startMicros() - leaves) / 1000);
                assertThat(gap.millis()).as("longest time without an answer through %s", e.getKey()).isLessThanOrEqualTo(1500);
                assertThat(failed).as("failed requests to %s (only one cut mid-connection by the ARP change may fail)", e.getKey())
                        .isLessThanOrEqualTo(2);
            }
        }
        assertThat(f.awaitAddress("web")).isEqualTo(web);
        assertThat(f.awaitAddress("api")).isEqualTo(api);

        // a Service made afterwards from a MetalLB-era manifest gets the address its annotation asks for, and serves
        String late = plan.address(207);
        client.services().inNamespace("default").resource(new ServiceBuilder().withNewMetadata().withName("late")
                .addToAnnotations("metallb.universe.tf/loadBalancerIPs", late).endMetadata().withNewSpec().withType("LoadBalancer")
                .addToSelector("app", "hello").addNewPort().withName("http").withProtocol("TCP").withPort(80).withNewTargetPort(8080)
                .endPort().endSpec().build()).create();
        assertThat(f.awaitAddress("late")).isEqualTo(late);
        LabFixture.awaitTrue(() -> f.requests(late, 3).stream().allMatch(ProbeStream.Answer::ok), "answers through " + late,
                Duration.ofSeconds(30));
    }
}
