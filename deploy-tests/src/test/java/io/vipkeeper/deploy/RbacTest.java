package io.vipkeeper.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vipkeeper.agent.AgentAccess;
import io.vipkeeper.agent.HostCommands;
import io.vipkeeper.agent.NodeAgent;
import io.vipkeeper.controller.ControllerAccess;
import io.vipkeeper.controller.ControllerCommand;
import io.vipkeeper.controller.ControllerSettings;
import io.vipkeeper.core.agent.AgentSettings;
import io.vipkeeper.core.agent.Dataplane;
import io.vipkeeper.dns.DnsAccess;
import io.vipkeeper.testsupport.Netns;
import io.vipkeeper.testsupport.RootRequirement;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * RBAC is enough and no more: each component runs, configured by the rendered chart, against the in-memory API
 * through scenarios that take its code paths; every request it makes is recorded in authorizer terms and checked
 * against the Roles/ClusterRoles the chart binds to its service account, both ways.
 */
class RbacTest {

    static final Duration LIMIT = Duration.ofSeconds(30);
    static final ResourceDefinitionContext VIPPOOLS = new ResourceDefinitionContext.Builder().withGroup("vipkeeper.io")
            .withVersion("v1alpha1").withPlural("vippools").withKind("VipPool").withNamespaced(false).build();

    @Test
    void controllerRbacIsExactlyWhatTheControllerCalls() throws Exception {
        List<ObjectNode> objects = Chart.render(Chart.valuesFile("rbac-scenario.yaml"));
        Workloads.Container c = Workloads.component(objects, "controller");
        Path pools = Files.createTempFile("pools", ".yaml");
        Files.writeString(pools, Chart.one(objects, "ConfigMap", "-pools").path("data").path("pools.yaml").asText());
        List<String> args = c.flags().stream().map(a -> a.startsWith("--pools-file=") ? "--pools-file=" + pools : a).toList();
        Map<String, String> envA = c.env("node-a");
        Map<String, String> envB = new LinkedHashMap<>(envA);
        envB.put("POD_NAME", c.workload() + "-fghij");
        ControllerSettings a = ControllerAccess.settings(args, envA);
        ControllerSettings b = ControllerAccess.settings(args, envB);
        String cmNs = a.configMapNamespace();
        String cmName = a.configMapName();

        try (ApiRecorder api = new ApiRecorder()) {
            KubernetesClient k = api.testClient();
            for (String ns : List.of("default", "team-a", Chart.NAMESPACE)) {
                k.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
            }
            api.statusConflicts.set(1); // the first status write answers 409: the controller re-reads the Service
            ControllerCommand.Running first = ControllerCommand.start(api.clientFor("controller"), a, new PrometheusRegistry());
            ControllerCommand.Running second = null;
            try {
                await(() -> a.identity().equals(holder(k)), "replica A leads");
                k.services().resource(lb("default", "web")).create();
                k.services().resource(new ServiceBuilder(lb("team-a", "api")).editMetadata()
                        .addToAnnotations("vipkeeper.io/address-pool", "small").endMetadata().build()).create();
                await(() -> ingress(k, "default", "web") && ingress(k, "team-a", "api"), "both Services have addresses");
                // a VipPool object: its informer, its status written (and an Event on it)
                GenericKubernetesResource pool = new GenericKubernetesResourceBuilder().withApiVersion("vipkeeper.io/v1alpha1")
                        .withKind("VipPool").withNewMetadata().withName("objects").endMetadata().build();
                pool.setAdditionalProperty("spec", Map.of("addresses", List.of("198.51.100.0/30"), "autoAssign", false));
                k.genericKubernetesResources(VIPPOOLS).resource(pool).create();
                await(() -> {
                    GenericKubernetesResource p = k.genericKubernetesResources(VIPPOOLS).withName("objects").get();
                    return p != null && p.getAdditionalProperties().get("status") != null;
                }, "VipPool status written");
                // the pool (two addresses) is exhausted: AllocationFailed
                k.services().resource(lb("default", "third")).create();
                await(() -> events(k, "default", "AllocationFailed"), "AllocationFailed event");
                // delete: released, and the waiting Service gets the address
                k.services().inNamespace("default").withName("web").delete();
                await(() -> ingress(k, "default", "third"), "the freed address reaches the waiting Service");
                // the VIP ConfigMap deleted by someone: recreated
                await(() -> k.configMaps().inNamespace(cmNs).withName(cmName).get() != null, "ConfigMap written");
                k.configMaps().inNamespace(cmNs).withName(cmName).delete();
                await(() -> k.configMaps().inNamespace(cmNs).withName(cmName).get() != null, "ConfigMap recreated");
                // type changed away from LoadBalancer: status cleared
                k.services().inNamespace("team-a").withName("api").edit(s -> new ServiceBuilder(s).editSpec().withType("ClusterIP").endSpec().build());
                await(() -> !ingress(k, "team-a", "api"), "status cleared");
                await(() -> events(k, "default", "IPAllocated") && events(k, "team-a", "IPReleased"), "IPAllocated and IPReleased events");
                // leader election: B stands, A goes away, B takes over and serves
                ControllerCommand.Running standby = ControllerCommand.start(api.clientFor("controller"), b, new PrometheusRegistry());
                second = standby;
                await(() -> standby.readiness().isEmpty(), "replica B synced and knows the leader (A)");
                first.close();
                first = null;
                await(() -> b.identity().equals(holder(k)), "replica B leads after A stopped");
                // the address api released is free again: B allocates it, writes the status and the event
                k.services().resource(lb("default", "late")).create();
                await(() -> ingress(k, "default", "late") && eventFor(k, "default", "late", "IPAllocated"),
                        "B serves: late gets an address and its IPAllocated event");
            } finally {
                if (first != null) {
                    first.close();
                }
                if (second != null) {
                    second.close();
                }
                Files.deleteIfExists(pools);
            }
            check(objects, c, api.calls("controller"));
        }
    }

    /** Default values (cluster-wide), and agent.watchNamespace (a Role in that namespace for Services and EndpointSlices). */
    @ParameterizedTest
    @ValueSource(strings = {"", "agent-watch-namespace.yaml"})
    void agentRbacIsExactlyWhatTheAgentCallsAndTheChartsCapabilitiesSuffice(String values) throws Exception {
        assumeTrue(RootRequirement.check("RbacTest: the agent's RBAC and the DaemonSet's capabilities in a network namespace"));
        assumeTrue(Netns.usable() && Stream.of("/usr/sbin/keepalived", "/usr/sbin/nft", "/usr/bin/setpriv").allMatch(t -> Files.isExecutable(Path.of(t))),
                "needs iproute2, keepalived, nft and setpriv");
        List<ObjectNode> objects = values.isEmpty() ? Chart.render() : Chart.render(Chart.valuesFile(values));
        Workloads.Container c = Workloads.component(objects, "agent");
        Path runDir = Files.createTempDirectory("vk-deploy-agent-");
        List<String> args = c.flags().stream().map(a -> a.startsWith("--run-dir=") ? "--run-dir=" + runDir : a).toList();
        Map<String, String> env = c.env("node-a");
        // auto = nftables here (this kernel has no IPVS), as the agent would pick
        AgentSettings settings = AgentAccess.settings(args, env, Dataplane.NFTABLES);
        var cm = AgentAccess.configMap(args);
        // keepalived, nft and ip run with exactly the capabilities the DaemonSet grants (root, bounding set limited)
        List<String> caps = new ArrayList<>();
        c.spec().path("securityContext").path("capabilities").path("add").forEach(x -> caps.add("+" + x.asText().toLowerCase(Locale.ROOT)));
        try (ApiRecorder api = new ApiRecorder(); Netns ns = new Netns("vkd", List.of("eth0"))) {
            ns.addAddress("eth0", "192.0.2.11/24");
            HostCommands host = new HostCommands(List.of("ip", "netns", "exec", ns.name(),
                    "setpriv", "--bounding-set=-all," + String.join(",", caps), "--"));
            KubernetesClient k = api.testClient();
            k.nodes().resource(node("node-a", "192.0.2.11")).create();
            k.nodes().resource(node("node-b", "192.0.2.12")).create();
            k.services().resource(lb("default", "web")).create();
            k.discovery().v1().endpointSlices().resource(new EndpointSliceBuilder().withNewMetadata().withNamespace("default")
                    .withName("web-abc").addToLabels("kubernetes.io/service-name", "web").endMetadata().withAddressType("IPv4")
                    .addNewPort().withName("http").withProtocol("TCP").withPort(8080).endPort()
                    .addNewEndpoint().withAddresses("192.0.2.101").withNewConditions().withReady(true).endConditions().endEndpoint().build()).create();
            k.configMaps().resource(new ConfigMapBuilder().withNewMetadata().withNamespace(cm.namespace()).withName(cm.name()).endMetadata()
                    .addToData("192.0.2.240", "default/web").build()).create();
            // a BgpPeer that does not parse: the agent reads it, records an Event and sets its Valid condition
            GenericKubernetesResource evil = new GenericKubernetesResourceBuilder().withApiVersion("vipkeeper.io/v1alpha1").withKind("BgpPeer")
                    .withNewMetadata().withName("evil").endMetadata().build();
            evil.getAdditionalProperties().put("spec", Map.of("address", "198.51.100.1\n}", "asn", 65000, "localASN", 65100));
            k.genericKubernetesResources(BGP_PEERS).resource(evil).create();
            NodeAgent agent = new NodeAgent(api.clientFor("agent"), new NodeAgent.Options(cm, env.get("NODE_NAME"), null,
                    AgentAccess.watchNamespace(args), settings,
                    "keepalived", AgentAccess.releaseVips(args), Duration.ofMillis(100), Duration.ofMillis(1000)), host, new PrometheusRegistry());
            try {
                agent.start();
                await(() -> ns.addresses("eth0").contains("192.0.2.240"), "the VIP held under the chart's capabilities");
                await(() -> "node-a".equals(annotation(k.services().inNamespace("default").withName("web").get(), "vipkeeper.io/announcing-node")),
                        "announcing-node annotation");
                await(() -> events(k, "default", "VIPAnnounced"), "VIPAnnounced event");
                await(() -> agent.health().isEmpty(), "agent healthy");
                if (settings.realtime().scheduled()) {
                    // chrt and keepalived's vrrp_no_swap under exactly the chart's capabilities (SYS_NICE, IPC_LOCK)
                    await(agent::vrrpRealtime, "keepalived's VRRP process in real-time scheduling under the chart's capabilities");
                    assertThat(vrrpLockedKb(runDir)).as("VmLck of keepalived's VRRP process (vrrp_no_swap)").isPositive();
                }
                await(() -> eventFor(k, "default", "evil", "InvalidBgpPeer"), "InvalidBgpPeer event");
                await(() -> String.valueOf(k.genericKubernetesResources(BGP_PEERS).withName("evil").get()
                        .getAdditionalProperties().get("status")).contains("status=False"), "the BgpPeer's Valid condition");
            } finally {
                agent.close();
                try (var files = Files.walk(runDir)) {
                    files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
            assertThat(ns.addresses("eth0")).as("VIP released on stop").doesNotContain("192.0.2.240");
            check(objects, c, api.calls("agent"));
        }
    }

    /** VmLck of the VRRP process named by RUN/vrrp.pid, in kB. */
    private static long vrrpLockedKb(Path runDir) throws IOException {
        String pid = Files.readString(runDir.resolve("vrrp.pid")).strip();
        return Files.readAllLines(Path.of("/proc", pid, "status")).stream().filter(l -> l.startsWith("VmLck:"))
                .map(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).findFirst().orElse(0L);
    }

    @Test
    void dnsPublisherRbacIsExactlyWhatThePublisherCalls() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/etcd")), "needs Debian's etcd");
        List<ObjectNode> objects = Chart.render(Chart.valuesFile("dns-rbac-scenario.yaml"));
        Workloads.Container c = Workloads.component(objects, "dns-publisher");
        Path dir = Files.createTempDirectory("vk-deploy-dns-");
        Path kubeconfig = dir.resolve("kubeconfig");
        Files.writeString(kubeconfig, Chart.one(objects, "ConfigMap", "-dns-publisher-kubeconfig").path("data").path("kubeconfig").asText());
        String context = c.flags().stream().filter(a -> a.startsWith("--context=")).findFirst().orElseThrow().substring("--context=".length());
        try (ApiRecorder api = new ApiRecorder(); DnsAccess.Etcd etcd = DnsAccess.etcd(dir.resolve("etcd"))) {
            List<String> args = c.flags().stream().map(a -> a.startsWith("--kubeconfig=") ? "--kubeconfig=" + kubeconfig
                    : a.startsWith("--etcd=") ? "--etcd=" + etcd.endpoint() : a.startsWith("--http-port=") ? "--http-port=0" : a).toList();
            KubernetesClient k = api.testClient();
            k.nodes().resource(node("node-a", "192.0.2.11")).create();
            k.services().resource(new ServiceBuilder(lb("default", "web")).editMetadata().addToAnnotations("vipkeeper.io/federate", "true")
                    .endMetadata().withNewStatus().withNewLoadBalancer().addNewIngress().withIp("192.0.2.80").endIngress().endLoadBalancer()
                    .endStatus().build()).create();
            k.discovery().v1().endpointSlices().resource(new EndpointSliceBuilder().withNewMetadata().withNamespace("default")
                    .withName("web-abc").addToLabels("kubernetes.io/service-name", "web").endMetadata().withAddressType("IPv4")
                    .addNewPort().withName("http").withProtocol("TCP").withPort(8080).endPort()
                    .addNewEndpoint().withAddresses("192.0.2.101").withNewConditions().withReady(true).endConditions().endEndpoint().build()).create();
            // the chart's kubeconfig names this cluster: the context is the cluster id in the records
            try (AutoCloseable publisher = DnsAccess.publish(args, config -> {
                assertThat(config.getCurrentContext().getName()).isEqualTo(context);
                return api.clientFor("dns-publisher");
            })) {
                await(() -> etcdHas(etcd, "192.0.2.80"), "the Service's address published in etcd");
                k.services().inNamespace("default").withName("web").delete();
                await(() -> !etcdHas(etcd, "192.0.2.80"), "the record removed with the Service");
            }
            check(objects, c, api.calls("dns-publisher"));
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static boolean etcdHas(DnsAccess.Etcd etcd, String text) {
        try {
            return etcd.get("/skydns/").contains(text);
        } catch (Exception e) {
            return false;
        }
    }

    static final ResourceDefinitionContext BGP_PEERS = new ResourceDefinitionContext.Builder().withGroup("vipkeeper.io")
            .withVersion("v1alpha1").withKind("BgpPeer").withPlural("bgppeers").withNamespaced(false).build();

    static void check(List<ObjectNode> objects, Workloads.Container c, List<ApiRecorder.Call> calls) {
        String sa = c.podSpec().path("serviceAccountName").asText();
        List<Rbac.Rule> rules = Rbac.rulesFor(objects, Chart.NAMESPACE, sa);
        assertThat(rules).as("rules bound to " + sa).isNotEmpty();
        assertThat(calls).as("calls recorded for " + sa).isNotEmpty();
        String seen = "\ncalls made by " + sa + ":\n  " + String.join("\n  ", calls.stream().map(Object::toString).toList());
        assertThat(Rbac.notAllowed(rules, calls)).as("calls the chart does not allow" + seen).isEmpty();
        assertThat(Rbac.unused(rules, calls)).as("rights the component never used" + seen).isEmpty();
    }

    static Service lb(String ns, String name) {
        return new ServiceBuilder().withNewMetadata().withNamespace(ns).withName(name).endMetadata()
                .withNewSpec().withType("LoadBalancer").addNewPort().withName("http").withProtocol("TCP").withPort(80)
                .withNewTargetPort(8080).endPort().endSpec().build();
    }

    static io.fabric8.kubernetes.api.model.Node node(String name, String ip) {
        return new NodeBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewStatus().addNewAddress().withType("InternalIP").withAddress(ip).endAddress().endStatus().build();
    }

    static String holder(KubernetesClient k) {
        Lease l = k.leases().inNamespace(Chart.NAMESPACE).withName("vipkeeper-controller").get();
        return l == null || l.getSpec() == null ? null : l.getSpec().getHolderIdentity();
    }

    static boolean ingress(KubernetesClient k, String ns, String name) {
        Service s = k.services().inNamespace(ns).withName(name).get();
        return s != null && s.getStatus() != null && s.getStatus().getLoadBalancer() != null
                && s.getStatus().getLoadBalancer().getIngress() != null && !s.getStatus().getLoadBalancer().getIngress().isEmpty();
    }

    static boolean events(KubernetesClient k, String ns, String reason) {
        return k.v1().events().inNamespace(ns).list().getItems().stream().anyMatch(e -> reason.equals(e.getReason()));
    }

    static boolean eventFor(KubernetesClient k, String ns, String name, String reason) {
        return k.v1().events().inNamespace(ns).list().getItems().stream()
                .anyMatch(e -> reason.equals(e.getReason()) && e.getInvolvedObject() != null && name.equals(e.getInvolvedObject().getName()));
    }

    static String annotation(Service s, String key) {
        return s == null || s.getMetadata().getAnnotations() == null ? null : s.getMetadata().getAnnotations().get(key);
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(50);
        }
        assertThat(condition.getAsBoolean()).as("timed out after %s waiting for %s", LIMIT, what).isTrue();
    }
}
