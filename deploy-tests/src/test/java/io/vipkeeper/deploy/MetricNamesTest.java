package io.vipkeeper.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.vipkeeper.agent.AgentAccess;
import io.vipkeeper.controller.ControllerAccess;
import io.vipkeeper.dns.DnsAccess;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Every metric the dashboard and the alert rules use is one the code registers (series names as scraped). */
class MetricNamesTest {

    static final Pattern NAME = Pattern.compile("\\bvipkeeper_[a-z0-9_]+\\b");

    /** The series names a registry exposes: counters as NAME_total, histograms as _bucket/_sum/_count. */
    static Set<String> seriesNames(PrometheusRegistry registry) {
        Set<String> out = new TreeSet<>();
        for (MetricSnapshot s : registry.scrape()) {
            String n = s.getMetadata().getPrometheusName();
            if (s instanceof CounterSnapshot) {
                out.add(n + "_total");
            } else if (s instanceof HistogramSnapshot) {
                out.addAll(List.of(n + "_bucket", n + "_sum", n + "_count"));
            } else {
                out.add(n);
            }
        }
        return out;
    }

    static Set<String> codeNames() {
        Set<String> all = new TreeSet<>(seriesNames(ControllerAccess.metrics()));
        all.addAll(seriesNames(AgentAccess.metrics()));
        all.addAll(seriesNames(DnsAccess.metrics()));
        return all;
    }

    static Set<String> used(String text) {
        Set<String> out = new TreeSet<>();
        Matcher m = NAME.matcher(text);
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }

    static String dashboardExprs() throws Exception {
        JsonNode d = Chart.YAML.readTree(Chart.dir().resolve("files/grafana-dashboard.json").toFile());
        StringBuilder sb = new StringBuilder();
        d.findValues("expr").forEach(e -> sb.append(e.asText()).append('\n'));
        return sb.toString();
    }

    static String alertExprs() throws Exception {
        JsonNode a = Chart.YAML.readTree(Chart.dir().resolve("files/alerts.yaml").toFile());
        StringBuilder sb = new StringBuilder();
        a.findValues("expr").forEach(e -> sb.append(e.asText()).append('\n'));
        return sb.toString();
    }

    @Test
    void theCodeRegistersTheDocumentedNames() {
        assertThat(codeNames()).contains("vipkeeper_pool_addresses", "vipkeeper_pool_addresses_in_use", "vipkeeper_allocations_total",
                "vipkeeper_allocation_failures_total", "vipkeeper_vrrp_state", "vipkeeper_vrrp_transitions_total",
                "vipkeeper_keepalived_reloads_total", "vipkeeper_keepalived_restarts_total");
    }

    @Test
    void everyMetricOfTheDashboardExists() throws Exception {
        Set<String> used = used(dashboardExprs());
        List<String> unknown = new ArrayList<>();
        for (String n : used) {
            if (!codeNames().contains(n)) {
                unknown.add(n);
            }
        }
        assertThat(unknown).as("dashboard metrics the code does not register; known: " + codeNames()).isEmpty();
        // what the dashboard must show
        assertThat(used).contains("vipkeeper_pool_addresses_in_use", "vipkeeper_pool_addresses", "vipkeeper_allocations_total",
                "vipkeeper_allocation_failures_total", "vipkeeper_vrrp_state", "vipkeeper_vrrp_transitions_total",
                "vipkeeper_keepalived_reloads_total", "vipkeeper_keepalived_restarts_total", "vipkeeper_entries_refused_in_force",
                "vipkeeper_dns_publish_latency_seconds_bucket");
    }

    @Test
    void everyMetricOfTheAlertRulesExistsAndTheRequiredAlertsAreThere() throws Exception {
        List<String> unknown = used(alertExprs()).stream().filter(n -> !codeNames().contains(n)).toList();
        assertThat(unknown).as("alert metrics the code does not register").isEmpty();
        JsonNode a = Chart.YAML.readTree(Chart.dir().resolve("files/alerts.yaml").toFile());
        List<String> alerts = new ArrayList<>();
        for (JsonNode g : a.path("groups")) {
            for (JsonNode r : g.path("rules")) {
                alerts.add(r.path("alert").asText());
                assertThat(r.path("expr").asText()).isNotBlank();
                assertThat(r.path("labels").path("severity").asText()).isIn("warning", "critical");
                assertThat(r.path("annotations").path("summary").asText()).isNotBlank();
            }
        }
        assertThat(alerts).contains("VipkeeperPoolAlmostExhausted", "VipkeeperVipWithoutMaster", "VipkeeperConfigRejected",
                "VipkeeperKeepalivedRestarting");
    }

    @Test
    void dashboardIsValidGrafanaJson() throws Exception {
        String text = Files.readString(Chart.dir().resolve("files/grafana-dashboard.json"));
        JsonNode d = Chart.YAML.readTree(text);
        assertThat(d.path("uid").asText()).isEqualTo("vipkeeper");
        Set<Integer> ids = new TreeSet<>();
        for (JsonNode p : d.path("panels")) {
            assertThat(ids.add(p.path("id").asInt())).as("unique panel ids").isTrue();
            assertThat(p.path("gridPos").path("w").asInt()).isBetween(1, 24);
        }
    }
}
