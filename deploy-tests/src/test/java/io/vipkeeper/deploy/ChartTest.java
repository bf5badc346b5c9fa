package io.vipkeeper.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.vipkeeper.agent.AgentAccess;
import io.vipkeeper.controller.ControllerAccess;
import io.vipkeeper.dns.DnsAccess;
import io.vipkeeper.controller.PoolsFile;
import io.vipkeeper.core.agent.Dataplane;
import io.vipkeeper.core.pool.AddressPool;
import io.vipkeeper.core.pool.VipPoolSpec;
import io.vipkeeper.core.viptable.ForwardMethod;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** helm lint, helm template for several value sets, strict parsing, the args against the real commands, the schema. */
class ChartTest {

    static Stream<String> valueSets() throws Exception {
        List<String> out = new ArrayList<>(List.of("(defaults)"));
        try (var files = Files.list(Chart.valuesFile("."))) {
            files.filter(p -> p.toString().endsWith(".yaml")).map(p -> p.getFileName().toString()).sorted().forEach(out::add);
        }
        return out.stream();
    }

    static List<ObjectNode> render(String valueSet) {
        return valueSet.equals("(defaults)") ? Chart.render() : Chart.render(Chart.valuesFile(valueSet));
    }

    @Test
    void lintPassesStrict() {
        LintResult r = new Helm(Chart.dir()).lint().strict().call();
        assertThat(r.isFailed()).as(String.join("\n", r.getMessages())).isFalse();
    }

    @ParameterizedTest
    @MethodSource("valueSets")
    void everyObjectParsesStrictlyIntoTheFabric8Model(String valueSet) {
        List<ObjectNode> objects = render(valueSet);
        assertThat(objects).isNotEmpty();
        for (ObjectNode o : objects) {
            HasMetadata m = StrictModel.parse(o);
            assertThat(m.getMetadata().getName()).matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");
            if (!m.getKind().startsWith("Cluster") && !m.getKind().equals("VipPool")) {
                assertThat(m.getMetadata().getNamespace()).as(m.getKind() + " " + m.getMetadata().getName()).isNotBlank();
            }
        }
    }

    @Test
    void strictParsingRejectsAnUnknownFieldDeepInside() throws Exception {
        ObjectNode ds = Chart.one(Chart.render(), "DaemonSet", "-agent").deepCopy();
        assertThat(StrictModel.parse(ds)).isInstanceOf(DaemonSet.class);
        ((ObjectNode) ds.path("spec").path("template").path("spec").path("containers").get(0)).put("privilegd", true);
        assertThatThrownBy(() -> StrictModel.parse(ds)).hasMessageContaining("privilegd");
        ObjectNode top = Chart.one(Chart.render(), "DaemonSet", "-agent").deepCopy();
        ((ObjectNode) top.path("spec")).put("replicas", 2); // a Deployment field, not a DaemonSet's
        assertThatThrownBy(() -> StrictModel.parse(top)).hasMessageContaining("replicas");
    }

    @ParameterizedTest
    @MethodSource("valueSets")
    void theControllerAndAgentAcceptTheirRenderedArgs(String valueSet) throws Exception {
        List<ObjectNode> objects = render(valueSet);
        for (Workloads.Container c : Workloads.containers(objects)) {
            Map<String, String> env = c.env("node-a");
            switch (c.command()) {
                case "controller" -> {
                    // the pools file is the rendered ConfigMap's content, as mounted
                    String pools = Chart.one(objects, "ConfigMap", "-pools").path("data").path("pools.yaml").asText();
                    Path file = Files.createTempFile("pools", ".yaml");
                    Files.writeString(file, pools);
                    List<String> args = new ArrayList<>(c.flags().stream()
                            .map(a -> a.equals("--pools-file=/etc/vipkeeper/pools.yaml") ? "--pools-file=" + file : a).toList());
                    assertThat(args).contains("--pools-file=" + file);
                    var settings = ControllerAccess.settings(args, env);
                    assertThat(settings.leaseNamespace()).isEqualTo(Chart.NAMESPACE);
                    assertThat(settings.identity()).isEqualTo(c.workload() + "-abcde");
                    List<AddressPool> fromFile = PoolsFile.read(file);
                    assertThat(settings.pools()).hasSameSizeAs(fromFile);
                    Files.delete(file);
                }
                case "agent" -> {
                    assertThat(AgentAccess.settings(c.flags(), env, Dataplane.NFTABLES)).isNotNull();
                    assertThat(AgentAccess.settings(c.flags(), env, Dataplane.IPVS)).isNotNull();
                    assertThat(env).containsKey("NODE_NAME");
                }
                // every flag the chart passes is one the command has, with a value it parses
                case "dns publish" -> assertThat(DnsAccess.parse("publish", c.flags())).isNotNull();
                case "dns serve" -> assertThat(DnsAccess.parse("serve", c.flags())).isNotNull();
                default -> throw new AssertionError("unknown command in " + c.workload() + ": " + c.args());
            }
        }
    }

    @Test
    void poolsOfTheValuesReachTheController() throws Exception {
        List<ObjectNode> objects = Chart.render(Chart.valuesFile("all-on.yaml"));
        Path file = Files.createTempFile("pools", ".yaml");
        Files.writeString(file, Chart.one(objects, "ConfigMap", "-pools").path("data").path("pools.yaml").asText());
        List<AddressPool> pools = PoolsFile.read(file);
        Files.delete(file);
        assertThat(pools).extracting(AddressPool::name).containsExactly("prod", "default");
        assertThat(pools.get(0).toString()).contains("2001:db8::");
    }

    @Test
    void vipPoolsOfTheValuesRenderAsVipPoolObjectsTheControllerParses() throws Exception {
        List<ObjectNode> pools = Chart.ofKind(Chart.render(Chart.valuesFile("all-on.yaml")), "VipPool");
        assertThat(pools).extracting(p -> p.path("metadata").path("name").asText()).containsExactly("edge", "lan");
        assertThat(pools.get(0).path("metadata").has("namespace")).isFalse();
        VipPoolSpec edge = VipPoolSpec.parse("edge", Chart.YAML.treeToValue(pools.get(0).path("spec"), Map.class));
        assertThat(edge.pool().priority()).isEqualTo(10);
        assertThat(edge.forwardMethod()).isEqualTo(ForwardMethod.DR);
        assertThat(edge.placement().iface().name()).isEqualTo("eth1");
        assertThat(edge.pool().allows("team-a", Map.of("team", "a"), Map.of("tier", "front"))).isTrue();
        assertThat(Chart.ofKind(Chart.render(), "VipPool")).isEmpty();
    }

    @Test
    void theVipPoolCrdIsInTheChartAndServesThePrinterColumns() throws Exception {
        Path crd = Chart.dir().resolve("crds/vippools.vipkeeper.io.yaml");
        ObjectNode o = (ObjectNode) Chart.YAML.readTree(crd.toFile());
        var parsed = (CustomResourceDefinition) StrictModel.parse(o);
        assertThat(parsed.getSpec().getScope()).isEqualTo("Cluster");
        var v = parsed.getSpec().getVersions().get(0);
        assertThat(v.getName()).isEqualTo("v1alpha1");
        assertThat(v.getSubresources().getStatus()).isNotNull();
        assertThat(v.getAdditionalPrinterColumns()).extracting(c -> c.getName() + "=" + c.getJsonPath())
                .containsExactly("Addresses=.status.addresses", "Used=.status.used", "Free=.status.free", "Age=.metadata.creationTimestamp");
        // a structural schema: every property has a type (or is a preserved-unknown object), every property documented
        assertStructural(Chart.YAML.valueToTree(v.getSchema().getOpenAPIV3Schema()), "");
    }

    static void assertStructural(JsonNode schema, String path) {
        assertThat(schema.has("type")).as("type of " + path).isTrue();
        schema.path("properties").fields().forEachRemaining(e -> assertStructural(e.getValue(), path + "." + e.getKey()));
        if (schema.has("items")) {
            assertStructural(schema.path("items"), path + "[]");
        }
    }

    @ParameterizedTest
    @MethodSource("valueSets")
    void noPrivilegedContainersAndNoClusterAdmin(String valueSet) {
        List<ObjectNode> objects = render(valueSet);
        for (Workloads.Container c : Workloads.containers(objects)) {
            JsonNode sc = c.spec().path("securityContext");
            assertThat(sc.path("privileged").asBoolean(false)).as(c.workload()).isFalse();
            assertThat(sc.path("allowPrivilegeEscalation").asBoolean(true)).as(c.workload()).isFalse();
            List<String> drop = new ArrayList<>();
            sc.path("capabilities").path("drop").forEach(x -> drop.add(x.asText()));
            assertThat(drop).as(c.workload()).containsExactly("ALL");
            List<String> add = new ArrayList<>();
            sc.path("capabilities").path("add").forEach(x -> add.add(x.asText()));
            if (c.component().equals("agent")) {
                // real-time VRRP (the default): SYS_NICE for chrt, IPC_LOCK for vrrp_no_swap; BGP mode: NET_BIND_SERVICE (BIRD on 179)
                List<String> expected = new ArrayList<>(List.of("NET_ADMIN", "NET_RAW", "NET_BROADCAST"));
                if (c.flags().contains("--vrrp-realtime=false")) {
                    assertThat(c.flags()).as(valueSet).doesNotContain("--vrrp-realtime=true");
                } else {
                    assertThat(c.flags()).as(valueSet).contains("--vrrp-realtime=true");
                    expected.addAll(List.of("SYS_NICE", "IPC_LOCK"));
                }
                if (c.flags().stream().anyMatch(f -> f.startsWith("--bgp-peer=") || f.equals("--announce=bgp"))) {
                    expected.add("NET_BIND_SERVICE");
                }
                assertThat(add).as(valueSet).containsExactlyInAnyOrderElementsOf(expected);
                assertThat(c.podSpec().path("hostNetwork").asBoolean()).isTrue();
            } else {
                assertThat(add).as(c.workload()).isEmpty();
                assertThat(sc.path("runAsNonRoot").asBoolean()).as(c.workload()).isTrue();
                assertThat(c.podSpec().path("hostNetwork").asBoolean(false)).isFalse();
            }
        }
        for (ObjectNode o : objects) {
            String kind = o.path("kind").asText();
            if (kind.endsWith("RoleBinding")) {
                assertThat(o.path("roleRef").path("name").asText()).doesNotContain("admin").doesNotContain("edit");
            }
            if (kind.equals("Role") || kind.equals("ClusterRole")) {
                for (JsonNode rule : o.path("rules")) {
                    for (String f : List.of("apiGroups", "resources", "verbs")) {
                        rule.path(f).forEach(x -> assertThat(x.asText()).as(kind + " " + f).isNotEqualTo("*"));
                    }
                }
            }
        }
    }

    @Test
    void defaultsMatchTheBrief() {
        List<ObjectNode> objects = Chart.render();
        ObjectNode deployment = Chart.one(objects, "Deployment", "-controller");
        assertThat(deployment.path("spec").path("replicas").asInt()).isEqualTo(2);
        assertThat(Workloads.component(objects, "controller").args()).contains("--leader-elect=true");
        // DNS off by default, no CRD-based objects without opt-in
        assertThat(Workloads.containers(objects)).extracting(Workloads.Container::component).containsExactlyInAnyOrder("controller", "agent");
        assertThat(objects).noneMatch(o -> o.path("apiVersion").asText().startsWith("monitoring.coreos.com"));
        // the chart never owns the VIP ConfigMap: helm upgrade must not overwrite the controller's entries
        assertThat(Chart.ofKind(objects, "ConfigMap")).extracting(o -> o.path("metadata").path("name").asText())
                .doesNotContain("vip-configmap");
    }

    @Test
    void allOnRendersEveryOptionalPart() {
        List<ObjectNode> objects = Chart.render(Chart.valuesFile("all-on.yaml"));
        assertThat(objects).extracting(o -> o.path("kind").asText())
                .contains("ServiceMonitor", "PodMonitor", "PrometheusRule");
        assertThat(Workloads.containers(objects)).extracting(Workloads.Container::command)
                .contains("dns publish", "dns serve");
        assertThat(Chart.one(objects, "ConfigMap", "-dashboard").path("data").path("vipkeeper.json").asText()).contains("\"uid\": \"vipkeeper\"");
        assertThat(Chart.one(objects, "PrometheusRule", "vipkeeper").path("spec").path("groups")).hasSize(3);
    }

    /** dns.etcd.tlsSecret / authSecret: files from the Secrets, the user through the environment, never a value in the args. */
    @Test
    void etcdTlsAndAuthComeFromSecrets() {
        List<ObjectNode> objects = render("all-on.yaml");
        for (String component : List.of("dns-publisher", "dns-server")) {
            Workloads.Container c = Workloads.component(objects, component);
            assertThat(c.flags()).as(component).contains("--etcd-ca=/etc/vipkeeper/etcd-tls/ca.crt", "--etcd-cert=/etc/vipkeeper/etcd-tls/tls.crt",
                    "--etcd-key=/etc/vipkeeper/etcd-tls/tls.key", "--etcd-user=$(ETCD_USER)",
                    "--etcd-password-file=/etc/vipkeeper/etcd-auth/password");
            assertThat(c.spec().path("env").toString()).as(component).contains("\"ETCD_USER\"").contains("\"etcd-auth\"");
            assertThat(c.spec().path("volumeMounts").toString()).as(component).contains("/etc/vipkeeper/etcd-tls", "/etc/vipkeeper/etcd-auth");
            assertThat(c.podSpec().path("volumes").toString()).as(component).contains("\"etcd-client-tls\"", "\"etcd-auth\"");
        }
        // without them: plain etcd, no such flags
        for (Workloads.Container c : Workloads.containers(render("dns-rbac-scenario.yaml"))) {
            assertThat(c.flags()).noneMatch(a -> a.startsWith("--etcd-ca") || a.startsWith("--etcd-user"));
        }
    }

    static Stream<Arguments> invalidValues() {
        return Stream.of(
                Arguments.of("bad-dataplane.yaml", "/agent/dataplane"),
                Arguments.of("bad-pool-address.yaml", "/pools/0/addresses/0"),
                Arguments.of("pool-without-addresses.yaml", "addresses"),
                Arguments.of("bad-interface.yaml", "/agent/interface"),
                Arguments.of("unknown-key.yaml", "unicastt"),
                Arguments.of("bad-port.yaml", "/controller/healthPort"),
                Arguments.of("bad-forward-method.yaml", "/controller/defaultForwardMethod"),
                Arguments.of("bad-duration.yaml", "/controller/leaderElection/leaseDuration"),
                Arguments.of("subsecond-vrrp2.yaml", "/agent/advertInterval"),
                Arguments.of("bad-vrid.yaml", "/agent/vrid"),
                Arguments.of("bad-pool-name.yaml", "/pools/0/name"),
                Arguments.of("bad-vippool.yaml", "/vipPools/0/forwardMethod"),
                Arguments.of("bad-watch-namespace.yaml", "/agent/watchNamespace"),
                Arguments.of("bad-etcd-secret.yaml", "/dns/etcd/tlsSecret"),
                Arguments.of("bad-failover-profile.yaml", "/agent/failoverProfile"),
                Arguments.of("fast-vrrp2.yaml", "/agent/failoverProfile"));
    }

    @ParameterizedTest
    @MethodSource("invalidValues")
    void invalidValuesAreRejectedByTheSchemaNamingTheField(String file, String field) {
        // Helm names the offending value by its JSON pointer, e.g. at '/agent/dataplane': value must be one of ...
        var error = Chart.templateError(Chart.valuesFile("invalid/" + file));
        assertThat(error).as(file + " must be rejected").isPresent();
        assertThat(error.get()).contains("values don't meet the specifications of the schema").contains(field);
    }
}
