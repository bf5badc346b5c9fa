package io.vipkeeper.dns;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.Config;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vipkeeper.core.dns.ClusterId;
import io.vipkeeper.core.dns.DnsName;
import io.vipkeeper.core.dns.FederationNames;
import io.vipkeeper.core.dns.FederationPlanner;
import io.vipkeeper.core.dns.Location;
import io.vipkeeper.core.dns.SkyDns;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The seed's three clusters (fcp fr/europe, usa us/america, chn cn/asia) as in-memory API servers, a real etcd,
 * the built-in DNS server and real dig. fcp's publisher runs as its own JVM (so it can be killed); usa's and
 * chn's run in this JVM.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FederationDnsTest {

    static final String FR = "hello-world.default.federation.svc.fr.europe.example.com";
    static final String EUROPE = "hello-world.default.federation.svc.europe.example.com";
    static final String US = "hello-world.default.federation.svc.us.america.example.com";
    static final String AMERICA = "hello-world.default.federation.svc.america.example.com";
    static final String CN = "hello-world.default.federation.svc.cn.asia.example.com";
    static final String ASIA = "hello-world.default.federation.svc.asia.example.com";
    static final String GLOBAL = "hello-world.default.federation.svc.example.com";
    static final long LEASE = 3;

    Path tmp;
    EtcdProcess etcd;
    MockCluster fcp;
    MockCluster usa;
    MockCluster chn;
    Path kubeconfig;
    Process fcpPublisher;
    InProcess usaPublisher;
    InProcess chnPublisher;
    DnsServeCommand.Running serve;
    Dig dig;
    final List<AutoCloseable> extra = new ArrayList<>();

    record InProcess(Publisher publisher, ClusterSource source, DnsMetrics metrics) implements AutoCloseable {
        @Override
        public void close() {
            publisher.close();
            source.close();
        }
    }

    @BeforeAll
    void setUp() throws Exception {
        tmp = Files.createTempDirectory("vipkeeper-dns-test");
        etcd = new EtcdProcess(tmp.resolve("etcd")).start();
        fcp = new MockCluster("fcp");
        usa = new MockCluster("usa");
        chn = new MockCluster("chn");
        kubeconfig = tmp.resolve("kubeconfig");
        Files.writeString(kubeconfig, MockCluster.kubeconfig(List.of(fcp, usa, chn)));
        // fcp labelled as in the seed (failure-domain.beta), usa with today's topology labels, chn by --location
        fcp.node("fcp-1", Map.of("failure-domain.beta.kubernetes.io/zone", "fr", "failure-domain.beta.kubernetes.io/region", "europe"));
        usa.node("usa-1", Map.of("topology.kubernetes.io/zone", "us", "topology.kubernetes.io/region", "america"));
        chn.node("chn-1", Map.of());
        String[][] seed = {{"192.0.2.10"}, {"198.51.100.10"}, {"203.0.113.10"}};
        List<MockCluster> all = List.of(fcp, usa, chn);
        for (int i = 0; i < 3; i++) {
            all.get(i).loadBalancer("default", "hello-world", Map.of(), seed[i]);
            all.get(i).endpoints("default", "hello-world", true);
        }
        DnsServeCommand cmd = new DnsServeCommand();
        new picocli.CommandLine(cmd).parseArgs("--zone", "example.com", "--listen", "127.0.0.1:0", "--etcd", etcd.endpoint(),
                "--http-port", "-1", "--nameserver-address", "127.0.0.1");
        serve = cmd.start();
        dig = new Dig(serve.dns().port());
        fcpPublisher = startChild("fcp", tmp.resolve("fcp-publisher-1.log"));
        usaPublisher = inProcess("usa", null, "federation", etcd.endpoint());
        chnPublisher = inProcess("chn", new Location("cn", "asia"), "federation", etcd.endpoint());
    }

    @AfterAll
    void tearDown() throws Exception {
        for (AutoCloseable c : extra) {
            quietly(c);
        }
        if (fcpPublisher != null) {
            fcpPublisher.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        quietly(usaPublisher);
        quietly(chnPublisher);
        quietly(serve);
        quietly(fcp);
        quietly(usa);
        quietly(chn);
        quietly(etcd);
        if (tmp != null) {
            try (Stream<Path> s = Files.walk(tmp)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void quietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            // keep tearing down the rest
        }
    }

    Process startChild(String context, Path log) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                "io.vipkeeper.dns.DnsCommand", "publish", "--kubeconfig", kubeconfig.toString(), "--context", context,
                "--federation", "federation", "--domain", "example.com", "--etcd", etcd.endpoint(),
                "--lease-ttl", Long.toString(LEASE), "--http-port", "-1")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    InProcess inProcess(String context, Location location, String federation, String endpoint) throws IOException {
        Config config = Config.fromKubeconfig(context, kubeconfig.toFile());
        AtomicReference<Publisher> ref = new AtomicReference<>();
        ClusterSource source = new ClusterSource(ClusterId.fromContext(context), context, ClusterSource.client(config),
                location, ClusterSource.Filter.NONE, () -> {
                    Publisher p = ref.get();
                    if (p != null) {
                        p.signal();
                    }
                });
        DnsMetrics metrics = new DnsMetrics(new PrometheusRegistry());
        Publisher p = new Publisher(new Publisher.Settings(
                new FederationPlanner(new FederationNames(federation, DnsName.parse("example.com")), 30), new SkyDns("/skydns"), LEASE),
                List.of(source), new EtcdStore(EtcdOptions.of("/skydns", endpoint).connect()), metrics);
        ref.set(p);
        p.start();
        source.start();
        return new InProcess(p, source, metrics);
    }

    /** Every key under /skydns/ with its value, read straight from etcd. */
    Map<String, String> etcdKeys() throws Exception {
        Process p = new ProcessBuilder("etcdctl", "--endpoints", etcd.endpoint(), "get", "--prefix", "/skydns/").redirectErrorStream(true).start();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        String[] lines = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\n");
        Map<String, String> out = new TreeMap<>();
        for (int i = 0; i + 1 < lines.length; i += 2) {
            out.put(lines[i], lines[i + 1]);
        }
        return out;
    }

    static String key(String name, String owner, String host) {
        List<String> labels = new ArrayList<>(List.of(name.split("\\.")));
        java.util.Collections.reverse(labels);
        return "/skydns/" + String.join("/", labels) + "/" + owner + "-" + SkyDns.fnv32a(host.getBytes(StandardCharsets.UTF_8));
    }

    static String json(String host) {
        return "{\"host\":\"" + host + "\",\"ttl\":30}";
    }

    Map<String, String> seedKeys(boolean withFcp) {
        Map<String, String> m = new TreeMap<>();
        if (withFcp) {
            for (String n : List.of(FR, EUROPE, GLOBAL)) {
                m.put(key(n, "fcp", "192.0.2.10"), json("192.0.2.10"));
            }
        }
        for (String n : List.of(US, AMERICA, GLOBAL)) {
            m.put(key(n, "usa", "198.51.100.10"), json("198.51.100.10"));
        }
        for (String n : List.of(CN, ASIA, GLOBAL)) {
            m.put(key(n, "chn", "203.0.113.10"), json("203.0.113.10"));
        }
        return m;
    }

    Map<String, String> helloKeys() throws Exception {
        return etcdKeys().entrySet().stream().filter(e -> e.getKey().contains("/default/hello-world/"))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, TreeMap::new));
    }

    @Test
    @Order(1)
    void digAnswersEveryZoneRegionAndTheGlobalName() throws Exception {
        Dig.Waited w = dig.until(GLOBAL, "A", r -> r.values("A").size() == 3, 60_000);
        assertThat(w.ok()).as("global name never got 3 addresses; last: %s", w.reply() == null ? null : w.reply().raw()).isTrue();
        assertThat(dig.until(FR, "A", r -> !r.values("A").isEmpty(), 10_000).reply().values("A")).containsExactly("192.0.2.10");
        Dig.Reply fr = dig.query(FR, "A");
        assertThat(fr.status()).isEqualTo("NOERROR");
        assertThat(fr.aa()).isTrue();
        assertThat(fr.ttlOfFirst()).isEqualTo(30);
        assertThat(dig.query(US, "A").values("A")).containsExactly("198.51.100.10");
        assertThat(dig.query(CN, "A").values("A")).containsExactly("203.0.113.10");
        assertThat(dig.query(EUROPE, "A").values("A")).containsExactly("192.0.2.10");
        assertThat(dig.query(AMERICA, "A").values("A")).containsExactly("198.51.100.10");
        assertThat(dig.query(ASIA, "A").values("A")).containsExactly("203.0.113.10");
        assertThat(dig.query(GLOBAL, "A").values("A")).containsExactly("192.0.2.10", "198.51.100.10", "203.0.113.10");
        assertThat(dig.query(GLOBAL, "A", "+tcp").values("A")).containsExactly("192.0.2.10", "198.51.100.10", "203.0.113.10");
    }

    @Test
    @Order(2)
    void etcdHoldsExactlyTheCorednsLayout() throws Exception {
        // CoreDNS etcd plugin: /skydns + reversed labels, records as children of the name, JSON host/ttl
        assertThat(helloKeys()).isEqualTo(seedKeys(true));
        // each cluster registered as a member of the federation, without lease (TXT-only for CoreDNS)
        assertThat(memberKeys()).isEqualTo(Map.of(
                "/skydns/com/example/svc/federation/_members/fcp", "{\"text\":\"fr/europe\",\"ttl\":30}",
                "/skydns/com/example/svc/federation/_members/usa", "{\"text\":\"us/america\",\"ttl\":30}",
                "/skydns/com/example/svc/federation/_members/chn", "{\"text\":\"cn/asia\",\"ttl\":30}"));
    }

    Map<String, String> memberKeys() throws Exception {
        return etcdKeys().entrySet().stream().filter(e -> e.getKey().contains("/federation/_members/"))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, TreeMap::new));
    }

    /** The seed's keys without fcp's, and the survivors' fallbacks at fcp's names. */
    Map<String, String> fcpGoneKeys() {
        Map<String, String> m = seedKeys(false);
        for (String owner : List.of("usa", "chn")) {
            m.put(key(FR, owner, EUROPE), json(EUROPE));
            m.put(key(EUROPE, owner, GLOBAL), json(GLOBAL));
        }
        return m;
    }

    @Test
    @Order(3)
    void zoneWithoutReadyEndpointBecomesCnameToRegionWithinTwoSeconds() throws Exception {
        fcp.endpoints("default", "hello-world", false);
        Dig.Waited w = dig.until(FR, "A", r -> r.values("CNAME").contains(EUROPE + "."), 10_000);
        assertThat(w.ok()).as(String.valueOf(w.reply())).isTrue();
        System.out.printf("FIGURE endpoints-not-ready-to-cname-ms=%d%n", w.millis());
        assertThat(w.millis()).isLessThanOrEqualTo(2000);
        // and further up: europe -> global -> the healthy clusters' addresses
        Dig.Reply r = dig.query(FR, "A");
        assertThat(r.records()).containsExactly(FR + ". CNAME " + EUROPE + ".", EUROPE + ". CNAME " + GLOBAL + ".",
                GLOBAL + ". A 198.51.100.10", GLOBAL + ". A 203.0.113.10");
        assertThat(dig.query(GLOBAL, "A").values("A")).containsExactly("198.51.100.10", "203.0.113.10");
        // ready again: addresses come back
        fcp.endpoints("default", "hello-world", true);
        assertThat(dig.until(FR, "A", x -> x.values("A").equals(List.of("192.0.2.10")) && x.values("CNAME").isEmpty(), 10_000).ok()).isTrue();
        assertThat(dig.until(GLOBAL, "A", x -> x.values("A").size() == 3, 10_000).ok()).isTrue();
    }

    @Test
    @Order(4)
    void badAndOddInputs() throws Exception {
        // no ingress yet: unhealthy, falls back; the global name has nothing of it
        usa.loadBalancer("default", "pending", Map.of());
        usa.endpoints("default", "pending", true);
        String pendingUs = "pending.default.federation.svc.us.america.example.com";
        Dig.Waited w = dig.until(pendingUs, "A", r -> r.values("CNAME").size() == 2, 10_000);
        assertThat(w.ok()).as(String.valueOf(w.reply())).isTrue();
        Dig.Reply pending = w.reply();
        assertThat(pending.status()).isEqualTo("NXDOMAIN"); // the chain ends at the global name, which has no record
        assertThat(pending.records()).hasSize(2);
        assertThat(pending.authority()).hasSize(1);
        // hostname ingress: a CNAME to it
        usa.loadBalancer("default", "by-name", Map.of(), "lb.usa.example.net");
        usa.endpoints("default", "by-name", true);
        Dig.Waited byName = dig.until("by-name.default.federation.svc.example.com", "A", r -> !r.values("CNAME").isEmpty(), 10_000);
        assertThat(byName.reply().values("CNAME")).containsExactly("lb.usa.example.net.");
        // IPv6 ingress: AAAA, and NODATA for A
        chn.loadBalancer("default", "six", Map.of(), "2001:db8::10");
        chn.endpoints("default", "six", true);
        Dig.Waited six = dig.until("six.default.federation.svc.cn.asia.example.com", "AAAA", r -> !r.values("AAAA").isEmpty(), 10_000);
        assertThat(six.reply().values("AAAA")).containsExactly("2001:db8::10");
        Dig.Reply nodata = dig.query("six.default.federation.svc.cn.asia.example.com", "A");
        assertThat(nodata.status()).isEqualTo("NOERROR");
        assertThat(nodata.answer()).isEmpty();
        assertThat(nodata.authority()).hasSize(1);
        // names the mock accepts but DNS cannot carry: refused, counted, never written
        usa.loadBalancer("default", "Bad_Name", Map.of(), "198.51.100.20");
        usa.loadBalancer("bad.ns", "web", Map.of(), "198.51.100.21");
        usa.loadBalancer("default", "bad-ip", Map.of(), "198.51.100.300");
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < end && (usaPublisher.metrics().refused.labelValues("invalid-label").get() < 2
                || usaPublisher.metrics().refused.labelValues("invalid-ingress-ip").get() < 1)) {
            Thread.sleep(50);
        }
        assertThat(usaPublisher.metrics().refused.labelValues("invalid-label").get()).isEqualTo(2.0);
        assertThat(usaPublisher.metrics().refused.labelValues("invalid-ingress-ip").get()).isEqualTo(1.0);
        assertThat(etcdKeys().keySet()).noneMatch(k -> k.contains("bad") && !k.contains("/bad-ip/")).noneMatch(k -> k.contains("198.51.100.2"));
        assertThat(etcdKeys().values()).noneMatch(v -> v.contains("198.51.100.2") || v.contains("300"));
        // an address no Service may hold in a status (whoever wrote it): left out, logged and counted; the rest published
        usa.loadBalancer("default", "special", Map.of(), "127.0.0.1", "198.51.100.30");
        usa.endpoints("default", "special", true);
        Dig.Waited special = dig.until("special.default.federation.svc.example.com", "A", r -> !r.values("A").isEmpty(), 10_000);
        assertThat(special.reply().values("A")).containsExactly("198.51.100.30");
        assertThat(usaPublisher.metrics().refused.labelValues("special-address").get()).isEqualTo(1.0);
        assertThat(etcdKeys().values()).noneMatch(v -> v.contains("127.0.0.1"));
        // nor a Node's address (a Node without topology labels: usa's location stays as it is)
        usa.client.nodes().resource(new NodeBuilder().withNewMetadata().withName("usa-2").endMetadata().withNewStatus()
                .addNewAddress().withType("InternalIP").withAddress("198.51.100.40").endAddress().endStatus().build()).create();
        usa.loadBalancer("default", "on-node", Map.of(), "198.51.100.40", "198.51.100.41");
        usa.endpoints("default", "on-node", true);
        // (the Node and the Service come through different watches: wait for the Node's view too)
        Dig.Waited onNode = dig.until("on-node.default.federation.svc.example.com", "A",
                r -> r.values("A").equals(List.of("198.51.100.41")), 10_000);
        assertThat(onNode.ok()).as(String.valueOf(onNode.reply())).isTrue();
        assertThat(usaPublisher.metrics().refused.labelValues("node-address").get()).isEqualTo(1.0);
        assertThat(etcdKeys().values()).noneMatch(v -> v.contains("198.51.100.40"));
        // out of zone, and a name that does not exist
        assertThat(dig.query("www.example.org", "A").status()).isEqualTo("REFUSED");
        assertThat(dig.query("nothing.default.federation.svc.example.com", "A").status()).isEqualTo("NXDOMAIN");
        assertThat(dig.query("default.federation.svc.example.com", "A").status()).isEqualTo("NOERROR"); // empty non-terminal
        Dig.Reply soa = dig.query("example.com", "SOA");
        assertThat(soa.values("SOA")).hasSize(1);
        assertThat(dig.query("example.com", "NS").values("NS")).containsExactly("ns1.example.com.");
        assertThat(dig.query("ns1.example.com", "A").values("A")).containsExactly("127.0.0.1");
    }

    @Test
    @Order(5)
    void killedPublishersRecordsVanishWithinTheLease() throws Exception {
        assertThat(helloKeys()).isEqualTo(seedKeys(true));
        fcpPublisher.destroyForcibly();
        assertThat(fcpPublisher.waitFor(10, TimeUnit.SECONDS)).isTrue();
        long start = System.nanoTime();
        long gone = -1;
        while (System.nanoTime() - start < TimeUnit.SECONDS.toNanos(LEASE + 10)) {
            if (helloKeys().keySet().stream().noneMatch(k -> k.contains("/fcp-"))) {
                gone = (System.nanoTime() - start) / 1_000_000;
                break;
            }
            Thread.sleep(100);
        }
        System.out.printf("FIGURE killed-publisher-records-gone-ms=%d (lease %d s)%n", gone, LEASE);
        assertThat(gone).as("fcp's records still there").isNotNegative();
        // etcd checks leases about every 500 ms; allow a second on top of the lease
        assertThat(gone).isLessThanOrEqualTo((LEASE + 1) * 1000);
        // fcp is still a member: the surviving publishers make its names fall back as those of an unhealthy cluster
        Dig.Waited w = dig.until(FR, "A", r -> r.values("CNAME").contains(EUROPE + "."), 5000);
        assertThat(w.ok()).as(String.valueOf(w.reply())).isTrue();
        System.out.printf("FIGURE killed-publisher-names-fall-back-ms=%d (after its records were gone)%n", w.millis());
        assertThat(dig.query(FR, "A").records()).containsExactly(FR + ". CNAME " + EUROPE + ".", EUROPE + ". CNAME " + GLOBAL + ".",
                GLOBAL + ". A 198.51.100.10", GLOBAL + ". A 203.0.113.10");
        assertThat(dig.query(EUROPE, "A").records()).containsExactly(EUROPE + ". CNAME " + GLOBAL + ".",
                GLOBAL + ". A 198.51.100.10", GLOBAL + ". A 203.0.113.10");
        assertThat(dig.query(GLOBAL, "A").values("A")).containsExactly("198.51.100.10", "203.0.113.10");
        // and in etcd, in the CoreDNS layout, for CoreDNS to answer the same
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < end && !helloKeys().equals(fcpGoneKeys())) {
            Thread.sleep(100);
        }
        assertThat(helloKeys()).isEqualTo(fcpGoneKeys());
        assertThat(memberKeys()).containsKey("/skydns/com/example/svc/federation/_members/fcp");
    }

    @Test
    @Order(6)
    void restartedPublishersLeaveNoDuplicateOrStaleRecords() throws Exception {
        fcpPublisher = startChild("fcp", tmp.resolve("fcp-publisher-2.log"));
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < end && !helloKeys().equals(seedKeys(true))) {
            Thread.sleep(100);
        }
        assertThat(helloKeys()).isEqualTo(seedKeys(true));
        // usa's publisher stops (no revoke), a Service goes away meanwhile, a new publisher starts:
        // the stale record is removed at start, the rest rewritten once, nothing doubled
        Map<String, String> before = etcdKeys();
        assertThat(before.keySet()).anyMatch(k -> k.contains("/by-name/usa-"));
        usaPublisher.close();
        usa.client.services().inNamespace("default").withName("by-name").delete();
        usaPublisher = inProcess("usa", null, "federation", etcd.endpoint());
        Map<String, String> expected = new TreeMap<>(before);
        expected.keySet().removeIf(k -> k.contains("/by-name/"));
        long end2 = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < end2 && !etcdKeys().equals(expected)) {
            Thread.sleep(100);
        }
        assertThat(etcdKeys()).isEqualTo(expected);
        // after the old lease runs out, still the same set (every key moved to the new lease)
        Thread.sleep((LEASE + 2) * 1000);
        assertThat(etcdKeys()).isEqualTo(expected);
    }

    @Test
    @Order(7)
    void etcdDownAtStartAndComingBack() throws Exception {
        Map<String, String> before = etcdKeys();
        etcd.stop();
        // a publisher for a second federation starts while etcd is down
        InProcess late = inProcess("chn", new Location("cn", "asia"), "fed2", etcd.endpoint());
        extra.add(late);
        Thread.sleep((LEASE + 2) * 1000); // long enough for every lease to expire server-side
        etcd.start();
        String fed2 = "hello-world.default.fed2.svc.cn.asia.example.com";
        Dig.Waited w = dig.until(fed2, "A", r -> r.values("A").equals(List.of("203.0.113.10")), 60_000);
        assertThat(w.ok()).as(String.valueOf(w.reply())).isTrue();
        // the others' records came back under new leases
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < end && !etcdKeys().keySet().containsAll(before.keySet())) {
            Thread.sleep(200);
        }
        assertThat(etcdKeys()).containsAllEntriesOf(before);
        assertThat(dig.until(GLOBAL, "A", r -> r.values("A").size() == 3, 20_000).ok()).isTrue();
    }
}
