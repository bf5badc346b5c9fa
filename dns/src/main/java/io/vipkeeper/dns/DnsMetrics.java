package io.vipkeeper.dns;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** The metrics of {@code dns publish} and {@code dns serve}. */
public final class DnsMetrics {

    final PrometheusRegistry registry;
    final Gauge recordsPublished;
    final Histogram publishLatency;
    final Counter etcdErrors;
    final Counter etcdWrites;
    final Gauge clustersConnected;
    final Gauge clustersSkipped;
    final Counter refused;
    final Counter queries;
    final Counter tcpClosed;
    final Counter tcpAcceptErrors;
    final Gauge tcpConnections;

    public DnsMetrics(PrometheusRegistry registry) {
        this.registry = registry;
        recordsPublished = Gauge.builder().name("vipkeeper_dns_records_published")
                .help("Records (etcd keys) this publisher holds").register(registry);
        publishLatency = Histogram.builder().name("vipkeeper_dns_publish_latency_seconds")
                .help("From a Service, endpoint or Node change to its records written in etcd")
                .classicUpperBounds(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10).classicOnly().register(registry);
        etcdErrors = Counter.builder().name("vipkeeper_dns_etcd_errors_total")
                .help("Failed etcd operations (unreachable, timeout, rejected)").register(registry);
        etcdWrites = Counter.builder().name("vipkeeper_dns_etcd_writes_total")
                .help("Keys put or deleted in etcd").register(registry);
        clustersConnected = Gauge.builder().name("vipkeeper_dns_clusters_connected")
                .help("Clusters whose informers have synced").register(registry);
        clustersSkipped = Gauge.builder().name("vipkeeper_dns_clusters_skipped")
                .help("Synced clusters not published because their zone/region is unknown").register(registry);
        refused = Counter.builder().name("vipkeeper_dns_refused_total")
                .help("Objects or values refused (not valid DNS labels, bad ingress), counted once per object and reason")
                .labelNames("reason").register(registry);
        queries = Counter.builder().name("vipkeeper_dns_queries_total")
                .help("DNS queries answered by dns serve, by response code").labelNames("rcode").register(registry);
        tcpClosed = Counter.builder().name("vipkeeper_dns_tcp_closed_total")
                .help("TCP connections dns serve closed for a limit, by limit (per-client-limit, connection-limit, idle-timeout, max-time)")
                .labelNames("limit").register(registry);
        tcpAcceptErrors = Counter.builder().name("vipkeeper_dns_tcp_accept_errors_total")
                .help("Failed TCP accepts in dns serve (e.g. out of file descriptors); accepting pauses 10 ms to 1 s after each")
                .register(registry);
        tcpConnections = Gauge.builder().name("vipkeeper_dns_tcp_connections")
                .help("TCP connections dns serve holds open now").register(registry);
    }
}
