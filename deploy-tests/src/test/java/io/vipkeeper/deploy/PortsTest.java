package io.vipkeeper.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vipkeeper.agent.AgentAccess;
import io.vipkeeper.controller.ControllerAccess;
import io.vipkeeper.dns.DnsAccess;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * Every port a probe, a Service or a ServiceMonitor/PodMonitor names is the port the component really serves:
 * the value picocli gives the command's option for the rendered args (its declared default when not given).
 */
class PortsTest {

    static Stream<String> valueSets() throws Exception {
        return ChartTest.valueSets();
    }

    /** The port the process binds for /healthz, /readyz and /metrics. */
    static int servedPort(Workloads.Container c) {
        return switch (c.command()) {
            case "controller" -> (Integer) ControllerAccess.optionValue(c.flags(), c.env("node-a"), "--health-port");
            case "agent" -> (Integer) AgentAccess.optionValue(c.flags(), c.env("node-a"), "--http-port");
            case "dns publish" -> (Integer) DnsAccess.optionValue("publish", c.flags(), "--http-port");
            case "dns serve" -> (Integer) DnsAccess.optionValue("serve", c.flags(), "--http-port");
            default -> throw new AssertionError(c.command());
        };
    }

    static int resolve(Workloads.Container c, JsonNode port) {
        return port.isInt() ? port.asInt() : c.port(port.asText());
    }

    @Test
    void chartDefaultsAreTheCodeDefaults() throws Exception {
        JsonNode values = Chart.YAML.readTree(Chart.dir().resolve("values.yaml").toFile());
        assertThat(values.path("controller").path("healthPort").asText()).isEqualTo(ControllerAccess.optionDefault("--health-port"));
        assertThat(values.path("agent").path("httpPort").asText()).isEqualTo(AgentAccess.optionDefault("--http-port"));
        assertThat(values.path("agent").path("interface").asText()).isEqualTo(AgentAccess.optionDefault("--iface"));
        assertThat(values.path("agent").path("vrid").asText()).isEqualTo(AgentAccess.optionDefault("--vrid"));
        assertThat(values.path("agent").path("vridRange").asText()).isEqualTo(AgentAccess.optionDefault("--vrid-range"));
        assertThat(values.path("agent").path("lvsScheduler").asText()).isEqualTo(AgentAccess.optionDefault("--lvs-sched"));
        assertThat(values.path("controller").path("loadBalancerClass").asText()).isEqualTo(ControllerAccess.optionDefault("--load-balancer-class"));
        assertThat(values.path("controller").path("leaderElection").path("leaseDuration").asText())
                .isEqualTo(ControllerAccess.optionDefault("--lease-duration"));
        assertThat(values.path("dns").path("publisher").path("httpPort").asText()).isEqualTo(DnsAccess.optionDefault("publish", "--http-port"));
        assertThat(values.path("dns").path("server").path("httpPort").asText()).isEqualTo(DnsAccess.optionDefault("serve", "--http-port"));
    }

    @ParameterizedTest
    @MethodSource("valueSets")
    void probesAndDeclaredPortsAreThePortTheProcessServes(String valueSet) {
        List<ObjectNode> objects = ChartTest.render(valueSet);
        for (Workloads.Container c : Workloads.containers(objects)) {
            int served = servedPort(c);
            assertThat(c.port("http-metrics")).as(c.workload() + " containerPort http-metrics").isEqualTo(served);
            for (String probe : List.of("livenessProbe", "readinessProbe")) {
                JsonNode get = c.spec().path(probe).path("httpGet");
                assertThat(get.isMissingNode()).as(c.workload() + " " + probe).isFalse();
                assertThat(resolve(c, get.path("port"))).as(c.workload() + " " + probe + " port").isEqualTo(served);
                assertThat(get.path("path").asText()).isIn(probe.startsWith("live") ? "/healthz" : "/readyz");
                // the process binds 0.0.0.0 by default: a probe with host 127.0.0.1 (the seed's bug) would also work, but none is set
                assertThat(get.has("host")).isFalse();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("valueSets")
    void monitorsScrapeThePortTheProcessServes(String valueSet) {
        List<ObjectNode> objects = ChartTest.render(valueSet);
        for (ObjectNode sm : Chart.ofKind(objects, "ServiceMonitor")) {
            JsonNode selector = sm.path("spec").path("selector").path("matchLabels");
            List<ObjectNode> services = Chart.ofKind(objects, "Service").stream().filter(s -> matches(s.path("metadata").path("labels"), selector)).toList();
            assertThat(services).as("Services selected by ServiceMonitor " + sm.path("metadata").path("name").asText()).hasSize(1);
            ObjectNode svc = services.get(0);
            for (JsonNode ep : sm.path("spec").path("endpoints")) {
                JsonNode svcPort = find(svc.path("spec").path("ports"), ep.path("port").asText());
                for (Workloads.Container c : Workloads.containers(objects)) {
                    if (matches(podLabels(objects, c), svc.path("spec").path("selector"))) {
                        assertThat(resolve(c, svcPort.path("targetPort"))).as("ServiceMonitor → Service → " + c.workload()).isEqualTo(servedPort(c));
                        assertThat(svcPort.path("port").asInt()).isEqualTo(servedPort(c));
                    }
                }
            }
        }
        for (ObjectNode pm : Chart.ofKind(objects, "PodMonitor")) {
            int matched = 0;
            for (Workloads.Container c : Workloads.containers(objects)) {
                if (selects(pm.path("spec").path("selector"), podLabels(objects, c))) {
                    matched++;
                    for (JsonNode ep : pm.path("spec").path("podMetricsEndpoints")) {
                        assertThat(c.port(ep.path("port").asText())).as("PodMonitor → " + c.workload()).isEqualTo(servedPort(c));
                    }
                }
            }
            assertThat(matched).as("pods selected by PodMonitor " + pm.path("metadata").path("name").asText()).isPositive();
        }
    }

    static JsonNode podLabels(List<ObjectNode> objects, Workloads.Container c) {
        return objects.stream().filter(o -> o.path("metadata").path("name").asText().equals(c.workload())
                        && (o.path("kind").asText().equals("Deployment") || o.path("kind").asText().equals("DaemonSet")))
                .findFirst().orElseThrow().path("spec").path("template").path("metadata").path("labels");
    }

    static boolean matches(JsonNode labels, JsonNode matchLabels) {
        var it = matchLabels.fields();
        while (it.hasNext()) {
            var e = it.next();
            if (!labels.path(e.getKey()).asText().equals(e.getValue().asText())) {
                return false;
            }
        }
        return matchLabels.size() > 0;
    }

    static boolean selects(JsonNode selector, JsonNode labels) {
        if (selector.has("matchLabels") && !matches(labels, selector.path("matchLabels"))) {
            return false;
        }
        for (JsonNode e : selector.path("matchExpressions")) {
            if (!e.path("operator").asText().equals("In")) {
                throw new AssertionError("unsupported operator " + e);
            }
            boolean in = false;
            for (JsonNode v : e.path("values")) {
                in |= labels.path(e.path("key").asText()).asText().equals(v.asText());
            }
            if (!in) {
                return false;
            }
        }
        return selector.has("matchLabels") || selector.has("matchExpressions");
    }

    static JsonNode find(JsonNode ports, String name) {
        for (JsonNode p : ports) {
            if (p.path("name").asText().equals(name)) {
                return p;
            }
        }
        throw new AssertionError("no port named " + name + " in " + ports);
    }
}
