package io.vipkeeper.agent;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vipkeeper.core.plan.Handover;
import java.util.function.DoubleSupplier;

/** The node agent's Prometheus metrics (names are an interface: dashboards and alerts use them). */
final class AgentMetrics {

    final Gauge vrrpState;
    final Gauge vipHolder;
    final Counter transitions;
    final Counter reloads;
    final Counter nftApplies;
    final Counter rejectedEntries;
    final Gauge rejectedEntriesNow;
    final Histogram renderSeconds;
    final Gauge nodeExcluded;

    AgentMetrics(PrometheusRegistry registry, DoubleSupplier keepalivedRestarts, DoubleSupplier configAgeSeconds) {
        vrrpState = Gauge.builder().name("vipkeeper_vrrp_state")
                .help("VRRP state of this node for a VIP: 0 init or stopped, 1 backup, 2 master, 3 fault")
                .labelNames("vip", "vrrp_instance").register(registry);
        vipHolder = Gauge.builder().name("vipkeeper_vip_holder")
                .help("1 while this node is the VRRP MASTER of the VIP; no series on any other node (sum by vip = 1)")
                .labelNames("vip", "node").register(registry);
        transitions = Counter.builder().name("vipkeeper_vrrp_transitions_total").help("VRRP state changes of this node, by new state")
                .labelNames("vrrp_instance", "state").register(registry);
        reloads = Counter.builder().name("vipkeeper_keepalived_reloads_total")
                .help("keepalived configurations applied (ok) or refused by keepalived -t (rejected)")
                .labelNames("result").register(registry);
        nftApplies = Counter.builder().name("vipkeeper_nftables_applies_total").help("nftables rulesets applied, by result")
                .labelNames("result").register(registry);
        rejectedEntries = Counter.builder().name("vipkeeper_entries_refused_total")
                .help("VIP ConfigMap entries and objects refused because a value did not parse").register(registry);
        rejectedEntriesNow = Gauge.builder().name("vipkeeper_entries_refused_in_force")
                .help("VIP ConfigMap entries and objects refused in the configuration now applied").register(registry);
        renderSeconds = Histogram.builder().name("vipkeeper_render_duration_seconds").help("Time to plan the configuration (each applier renders its own part)")
                .classicUpperBounds(0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1).register(registry);
        nodeExcluded = Gauge.builder().name("vipkeeper_node_excluded")
                .help("1 while this node hands its VIPs over and holds none (planned handover), by reason: label "
                        + "(node.kubernetes.io/exclude-from-external-load-balancers) or cordon (--handover-on-cordon); else 0")
                .labelNames("reason").register(registry);
        CounterWithCallback.builder().name("vipkeeper_keepalived_restarts_total").help("Times keepalived was started again after it died")
                .callback(cb -> cb.call(keepalivedRestarts.getAsDouble())).register(registry);
        GaugeWithCallback.builder().name("vipkeeper_config_age_seconds").help("Seconds since the configuration in force was applied")
                .callback(cb -> cb.call(configAgeSeconds.getAsDouble())).register(registry);
        for (Handover h : Handover.values()) {
            nodeExcluded.labelValues(h.metricReason).set(0);
        }
        for (String r : new String[] {"ok", "rejected"}) {
            reloads.labelValues(r);
            nftApplies.labelValues(r);
        }
    }
}
