package io.vipkeeper.agent;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.function.DoubleSupplier;

/** The BGP side's Prometheus metrics, per peer (the label is the peer's address, with {@code :port} when not 179). */
final class BgpMetrics {

    final Gauge sessionUp;
    final Gauge bfdUp;
    final Gauge routesAnnounced;
    final Gauge vipsAnnounced;
    final Gauge vipAnnounced;
    final Counter configs;

    BgpMetrics(PrometheusRegistry registry, DoubleSupplier birdRestarts) {
        sessionUp = Gauge.builder().name("vipkeeper_bgp_session_up")
                .help("1 when the BGP session with the peer is Established, else 0").labelNames("peer").register(registry);
        bfdUp = Gauge.builder().name("vipkeeper_bgp_bfd_up")
                .help("1 when the BFD session with the peer is Up, else 0 (absent for peers without BFD)").labelNames("peer").register(registry);
        routesAnnounced = Gauge.builder().name("vipkeeper_bgp_routes_announced")
                .help("Routes BIRD exported to the peer (0 while the session is down)").labelNames("peer").register(registry);
        vipsAnnounced = Gauge.builder().name("vipkeeper_bgp_vips_announced")
                .help("VIPs this node announces by BGP in the configuration in force").register(registry);
        vipAnnounced = Gauge.builder().name("vipkeeper_bgp_vip_announced")
                .help("1 per VIP this node announces by BGP now (absent when not announced)").labelNames("vip").register(registry);
        configs = Counter.builder().name("vipkeeper_bird_configs_total")
                .help("bird.conf applied (ok) or refused by bird -p or configure (rejected)").labelNames("result").register(registry);
        CounterWithCallback.builder().name("vipkeeper_bird_restarts_total").help("Times BIRD was started again after it died")
                .callback(cb -> cb.call(birdRestarts.getAsDouble())).register(registry);
        for (String r : new String[] {"ok", "rejected"}) {
            configs.labelValues(r);
        }
    }
}
