package io.vipkeeper.dns;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.Config;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vipkeeper.core.dns.ClusterId;
import io.vipkeeper.core.dns.DnsName;
import io.vipkeeper.core.dns.FederationNames;
import io.vipkeeper.core.dns.FederationPlanner;
import io.vipkeeper.core.dns.SkyDns;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Type;

/**
 * End-to-end figures for docs/benchmarks-dns.md. Opt-in (minutes of work on a 2-core machine):
 * <pre>mvn -B -q -o -pl dns -am test -Dtest=DnsBenchmark -Dsurefire.failIfNoSpecifiedTests=false -Dvipkeeper.bench=true</pre>
 * Figures are printed as "FIGURE ..." lines in dns/target/surefire-reports/io.vipkeeper.dns.DnsBenchmark-output.txt.
 */
@EnabledIfSystemProperty(named = "vipkeeper.bench", matches = "true")
class DnsBenchmark {

    static final int ROUNDS = 10;

    record Setup(Path tmp, EtcdProcess etcd, List<MockCluster> clusters, Path kubeconfig, DnsServeCommand.Running serve, Dig dig,
                 List<Publisher> publishers, List<ClusterSource> sources) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            publishers.forEach(Publisher::close);
            sources.forEach(ClusterSource::close);
            serve.close();
            clusters.forEach(MockCluster::close);
            etcd.close();
            try (Stream<Path> s = Files.walk(tmp)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    static Setup setup(int services) throws Exception {
        Path tmp = Files.createTempDirectory("vipkeeper-dns-bench");
        EtcdProcess etcd = new EtcdProcess(tmp.resolve("etcd")).start();
        String[][] where = {{"fcp", "fr", "europe", "192.0.2."}, {"usa", "us", "america", "198.51.100."}, {"chn", "cn", "asia", "203.0.113."}};
        List<MockCluster> clusters = new ArrayList<>();
        for (String[] w : where) {
            MockCluster c = new MockCluster(w[0]);
            c.node(w[0] + "-1", Map.of("topology.kubernetes.io/zone", w[1], "topology.kubernetes.io/region", w[2]));
            clusters.add(c);
        }
        // the three API servers are filled in parallel (a few ms per request, three requests per Service)
        List<Thread> fillers = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            MockCluster c = clusters.get(k);
            String prefix = where[k][3];
            Thread t = new Thread(() -> {
                long t0 = System.nanoTime();
                for (int i = 0; i < services; i++) {
                    c.loadBalancer("default", "svc-" + i, Map.of(), prefix + (1 + i % 250));
                    c.endpoints("default", "svc-" + i, true);
                }
                if (services > 10) {
                    System.out.printf("created %d Services in %s in %d ms%n", services, c.name, (System.nanoTime() - t0) / 1_000_000);
                }
            });
            fillers.add(t);
            t.start();
        }
        for (Thread t : fillers) {
            t.join(TimeUnit.MINUTES.toMillis(15));
        }
        Path kubeconfig = tmp.resolve("kubeconfig");
        Files.writeString(kubeconfig, MockCluster.kubeconfig(clusters));
        DnsServeCommand cmd = new DnsServeCommand();
        new picocli.CommandLine(cmd).parseArgs("--zone", "example.com", "--listen", "127.0.0.1:0", "--etcd", etcd.endpoint(), "--http-port", "-1");
        DnsServeCommand.Running serve = cmd.start();
        return new Setup(tmp, etcd, clusters, kubeconfig, serve, new Dig(serve.dns().port()), new ArrayList<>(), new ArrayList<>());
    }

    static Publisher publisher(Setup s, String context) throws Exception {
        Config config = Config.fromKubeconfig(context, s.kubeconfig().toFile());
        AtomicReference<Publisher> ref = new AtomicReference<>();
        ClusterSource source = new ClusterSource(ClusterId.fromContext(context), context, ClusterSource.client(config),
                null, ClusterSource.Filter.NONE, () -> {
                    Publisher p = ref.get();
                    if (p != null) {
                        p.signal();
                    }
                });
        Publisher p = new Publisher(new Publisher.Settings(new FederationPlanner(new FederationNames("federation", DnsName.parse("example.com")), 30),
                new SkyDns("/skydns"), 15), List.of(source),
                new EtcdStore(EtcdOptions.of("/skydns", s.etcd().endpoint()).connect()), new DnsMetrics(new PrometheusRegistry()));
        ref.set(p);
        s.publishers().add(p);
        s.sources().add(source);
        p.start();
        source.start();
        return p;
    }

    static String summary(List<Long> millis) {
        List<Long> sorted = new ArrayList<>(millis);
        sorted.sort(null);
        return "median " + sorted.get(sorted.size() / 2) + " ms, max " + sorted.get(sorted.size() - 1) + " ms (n=" + sorted.size() + ")";
    }

    @Test
    void latencyAndQueriesPerSecond() throws Exception {
        try (Setup s = setup(1)) {
            for (String c : List.of("fcp", "usa", "chn")) {
                publisher(s, c);
            }
            assertThat(s.dig().until("svc-0.default.federation.svc.example.com", "A", r -> r.values("A").size() == 3, 60_000).ok()).isTrue();
            MockCluster usa = s.clusters().get(1);
            List<Long> ingress = new ArrayList<>();
            List<Long> withdraw = new ArrayList<>();
            for (int i = 0; i < ROUNDS; i++) {
                String svc = "late-" + i;
                usa.loadBalancer("default", svc, Map.of());
                usa.endpoints("default", svc, true);
                String zone = svc + ".default.federation.svc.us.america.example.com";
                assertThat(s.dig().until(zone, "A", r -> r.values("CNAME").size() == 2, 10_000).ok()).isTrue();
                String ip = "198.51.100." + (100 + i);
                long t0 = System.nanoTime();
                usa.setIngress("default", svc, ip);
                Dig.Waited w = s.dig().until(zone, "A", r -> r.values("A").equals(List.of(ip)), 10_000);
                assertThat(w.ok()).isTrue();
                ingress.add((System.nanoTime() - t0) / 1_000_000);
                t0 = System.nanoTime();
                usa.endpoints("default", svc, false);
                w = s.dig().until(zone, "A", r -> r.values("A").isEmpty(), 10_000);
                assertThat(w.ok()).isTrue();
                withdraw.add((System.nanoTime() - t0) / 1_000_000);
            }
            System.out.println("FIGURE ingress IP set -> dig answers: " + summary(ingress));
            System.out.println("FIGURE endpoints not ready -> record withdrawn (dig sees CNAME): " + summary(withdraw));
            for (int threads : new int[] {1, 4}) {
                System.out.printf("FIGURE dns serve, %d client thread(s), UDP on loopback, 5 s: %.0f queries/s%n", threads,
                        qps(s.serve().dns().port(), threads, 5));
            }
        }
    }

    /** A bounded loop of UDP queries (A for a global name with 3 records), each waiting for its reply. */
    static double qps(int port, int threads, int seconds) throws Exception {
        byte[] wire = Message.newQuery(org.xbill.DNS.Record.newRecord(Name.fromString("svc-0.default.federation.svc.example.com."), Type.A,
                org.xbill.DNS.DClass.IN)).toWire();
        AtomicLong answered = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread th = new Thread(() -> {
                try (DatagramSocket sock = new DatagramSocket()) {
                    sock.setSoTimeout(1000);
                    sock.connect(new InetSocketAddress("127.0.0.1", port));
                    byte[] buf = new byte[1500];
                    byte[] q = wire.clone();
                    for (int n = 0; n < 10_000_000 && System.nanoTime() < end; n++) {
                        q[0] = (byte) (n >> 8);
                        q[1] = (byte) n;
                        sock.send(new DatagramPacket(q, q.length));
                        try {
                            sock.receive(new DatagramPacket(buf, buf.length));
                            answered.incrementAndGet();
                        } catch (java.net.SocketTimeoutException e) {
                            failed.incrementAndGet();
                        }
                    }
                } catch (Exception e) {
                    failed.incrementAndGet();
                }
            });
            ts.add(th);
            th.start();
        }
        for (Thread th : ts) {
            th.join(TimeUnit.SECONDS.toMillis(seconds + 5));
        }
        if (failed.get() > 0) {
            System.out.println("  (" + failed.get() + " queries without reply in 1 s)");
        }
        return answered.get() / (double) seconds;
    }

    @Test
    void publishFiveThousandServicesTimesThreeClusters() throws Exception {
        int n = Integer.getInteger("vipkeeper.bench.services", 5000);
        try (Setup s = setup(n)) {
            long t0 = System.nanoTime();
            List<Publisher> ps = new ArrayList<>();
            for (String c : List.of("fcp", "usa", "chn")) {
                ps.add(publisher(s, c));
            }
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (System.nanoTime() < deadline && ps.stream().mapToInt(p -> p.published().size()).sum() < 9 * n) {
                Thread.sleep(100);
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            int keys = ps.stream().mapToInt(p -> p.published().size()).sum();
            assertThat(keys).isEqualTo(9 * n);
            System.out.printf("FIGURE publish %d Services x 3 clusters (%d etcd keys), 3 publishers from start: %d ms%n", n, keys, ms);
            String last = "svc-" + (n - 1) + ".default.federation.svc.example.com";
            assertThat(s.dig().until(last, "A", r -> r.values("A").size() == 3, 30_000).ok()).isTrue();
            // steady state: nothing is written when nothing changes
            Thread.sleep(1000);
            long revBefore = s.serve().view().revision();
            Thread.sleep(5000);
            System.out.printf("FIGURE etcd revisions in 5 s of steady state with %d keys: %d%n", keys, s.serve().view().revision() - revBefore);
            // one change among 5,000 Services: time to the record in dig
            MockCluster usa = s.clusters().get(1);
            List<Long> one = new ArrayList<>();
            List<Long> api = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                long t1 = System.nanoTime();
                usa.endpoints("default", "svc-" + i, false);
                // the mock API server gets slow with 10,000 objects (it scans them per request): time from its answer
                long t2 = System.nanoTime();
                api.add((t2 - t1) / 1_000_000);
                assertThat(s.dig().until("svc-" + i + ".default.federation.svc.us.america.example.com", "A",
                        r -> !r.values("CNAME").isEmpty(), 10_000).ok()).isTrue();
                one.add((System.nanoTime() - t2) / 1_000_000);
            }
            System.out.println("FIGURE (mock API server's own time for that update: " + summary(api) + ")");
            System.out.println("FIGURE one endpoint change among " + n + " Services per cluster -> dig: " + summary(one));
        }
    }
}
