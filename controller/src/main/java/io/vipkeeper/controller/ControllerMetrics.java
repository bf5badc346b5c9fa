package io.vipkeeper.controller;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vipkeeper.core.alloc.AllocationResult;
import io.vipkeeper.core.alloc.Allocator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The controller's Prometheus metrics (names are part of the interface: dashboards and alerts use them). */
final class ControllerMetrics {

    final PrometheusRegistry registry;
    final Gauge poolSize;
    final Gauge poolInUse;
    final Counter allocations;
    final Counter failures;
    final Counter releases;
    final Counter apiWrites;
    final Histogram reconcileSeconds;
    final Gauge leader;

    ControllerMetrics(PrometheusRegistry registry) {
        this.registry = registry;
        poolSize = Gauge.builder().name("vipkeeper_pool_addresses").help("Addresses in the pool")
                .labelNames("pool", "family").register(registry);
        poolInUse = Gauge.builder().name("vipkeeper_pool_addresses_in_use").help("Addresses of the pool held by Services or hand-written ConfigMap entries")
                .labelNames("pool", "family").register(registry);
        allocations = Counter.builder().name("vipkeeper_allocations_total").help("Addresses assigned to Services")
                .labelNames("pool").register(registry);
        failures = Counter.builder().name("vipkeeper_allocation_failures_total").help("Services that could not get an address, by reason")
                .labelNames("reason").register(registry);
        releases = Counter.builder().name("vipkeeper_releases_total").help("Services whose addresses were released").register(registry);
        apiWrites = Counter.builder().name("vipkeeper_api_writes_total").help("Writes to the API server, by kind")
                .labelNames("kind").register(registry);
        reconcileSeconds = Histogram.builder().name("vipkeeper_reconcile_duration_seconds").help("Time to reconcile one batch of changes")
                .classicUpperBounds(0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5).register(registry);
        leader = Gauge.builder().name("vipkeeper_controller_leader").help("1 while this replica is the leader").register(registry);
        for (var reason : AllocationResult.Reason.values()) {
            failures.labelValues(reason.label());
        }
    }

    /** The label sets last set: a pool that is gone (deleted, or refused) leaves the metrics. */
    private Set<List<String>> poolLabels = Set.of();

    void updatePools(List<Allocator.PoolUsage> usage) {
        Set<List<String>> now = new HashSet<>();
        for (Allocator.PoolUsage u : usage) {
            poolSize.labelValues(u.pool(), u.family().name()).set(u.size().doubleValue());
            poolInUse.labelValues(u.pool(), u.family().name()).set(u.inUse());
            now.add(List.of(u.pool(), u.family().name()));
        }
        for (List<String> gone : poolLabels) {
            if (!now.contains(gone)) {
                poolSize.remove(gone.get(0), gone.get(1));
                poolInUse.remove(gone.get(0), gone.get(1));
            }
        }
        poolLabels = now;
    }
}
