package io.vipkeeper.dns;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vipkeeper.core.dns.ClusterId;
import io.vipkeeper.core.dns.DnsName;
import io.vipkeeper.core.dns.FederationNames;
import io.vipkeeper.core.dns.FederationPlanner;
import io.vipkeeper.core.dns.SkyDns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** One publisher for two clusters, one of which has no location; the opt-in annotation; flag checks. */
class PlacementAndFilterTest {

    static void await(BooleanSupplier cond, long millis) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!cond.getAsBoolean() && System.nanoTime() < end) {
            Thread.sleep(50);
        }
        assertThat(cond.getAsBoolean()).isTrue();
    }

    @Test
    void clusterWithoutLocationIsSkippedOthersPublishedAndAnnotationFilters() throws Exception {
        Path tmp = Files.createTempDirectory("vipkeeper-dns-placement");
        EtcdProcess etcd = new EtcdProcess(tmp.resolve("etcd"));
        Publisher publisher = null;
        List<ClusterSource> sources = List.of();
        try (MockCluster here = new MockCluster("here"); MockCluster nowhere = new MockCluster("nowhere")) {
            etcd.start();
            here.node("n1", Map.of("topology.kubernetes.io/zone", "z1", "topology.kubernetes.io/region", "r1"));
            nowhere.node("n1", Map.of());
            for (MockCluster c : List.of(here, nowhere)) {
                c.loadBalancer("default", "web", Map.of("vipkeeper.io/federate", "true"), c == here ? "192.0.2.1" : "192.0.2.2");
                c.endpoints("default", "web", true);
                c.loadBalancer("default", "private", Map.of(), "192.0.2.3");
                c.endpoints("default", "private", true);
            }
            DnsMetrics metrics = new DnsMetrics(new PrometheusRegistry());
            Publisher[] ref = new Publisher[1];
            Runnable signal = () -> {
                if (ref[0] != null) {
                    ref[0].signal();
                }
            };
            ClusterSource.Filter optIn = new ClusterSource.Filter("vipkeeper.io/federate", "true");
            sources = List.of(new ClusterSource(new ClusterId("here"), "here", here.client, null, optIn, signal),
                    new ClusterSource(new ClusterId("nowhere"), "nowhere", nowhere.client, null, optIn, signal));
            EtcdStore store = new EtcdStore(EtcdOptions.of("/skydns", etcd.endpoint()).connect());
            publisher = new Publisher(new Publisher.Settings(new FederationPlanner(new FederationNames("f", DnsName.parse("example.com")), 30),
                    new SkyDns("/skydns"), 5), sources, store, metrics);
            ref[0] = publisher;
            publisher.start();
            sources.forEach(ClusterSource::start);
            Publisher p = publisher;
            await(() -> p.published().size() == 3, 20_000);
            assertThat(metrics.clustersConnected.get()).isEqualTo(2.0);
            assertThat(metrics.clustersSkipped.get()).isEqualTo(1.0);
            assertThat(p.published().keySet()).allMatch(k -> k.contains("/web/here-"));
            assertThat(p.problem()).isEmpty();
            // the missing labels arrive: the cluster is published
            nowhere.client.nodes().withName("n1").edit(n -> {
                n.getMetadata().setLabels(Map.of("failure-domain.beta.kubernetes.io/zone", "z2", "failure-domain.beta.kubernetes.io/region", "r2"));
                return n;
            });
            await(() -> p.published().size() == 6, 10_000);
            assertThat(p.published().keySet()).anyMatch(k -> k.equals("/skydns/com/example/r2/z2/svc/f/default/web/nowhere-"
                    + SkyDns.fnv32a("192.0.2.2".getBytes(java.nio.charset.StandardCharsets.UTF_8))));
            assertThat(metrics.clustersSkipped.get()).isEqualTo(0.0);
        } finally {
            if (publisher != null) {
                publisher.close();
            }
            sources.forEach(ClusterSource::close);
            etcd.close();
            try (Stream<Path> s = Files.walk(tmp)) {
                s.sorted(Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
            }
        }
    }

    @Test
    void badFlagsAreUsageErrors() {
        for (String[] args : List.of(
                new String[] {"publish", "--domain", "example.com"},
                new String[] {"publish", "--federation", "Fed_1", "--domain", "example.com", "--http-port", "-1"},
                new String[] {"publish", "--federation", "f", "--domain", "example.com", "--ttl", "0"},
                new String[] {"publish", "--federation", "f", "--domain", "example.com", "--location", "x=f.r/eu", "--http-port", "-1"},
                new String[] {"serve", "--zone", "exa_mple.com"},
                new String[] {"serve", "--zone", "example.com", "--listen", "localhost:53"})) {
            CommandLine cmd = new CommandLine(new DnsCommand());
            cmd.setParameterExceptionHandler(new io.vipkeeper.platform.CliErrors());
            cmd.setExecutionExceptionHandler((ex, c, parseResult) -> {
                if (ex instanceof CommandLine.ParameterException pe) {
                    return new io.vipkeeper.platform.CliErrors().handleParseException(pe, args);
                }
                throw ex;
            });
            cmd.setErr(new java.io.PrintWriter(new java.io.StringWriter()));
            assertThat(cmd.execute(args)).as(String.join(" ", args)).isEqualTo(2);
        }
    }
}
