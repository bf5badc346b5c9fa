package io.vipkeeper.dns;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The seed's three clusters as in-memory API servers on 127.0.0.1, each with a hello-world LoadBalancer
 * Service with a ready endpoint, and a kubeconfig with contexts fcp, usa, chn. For trying the quick start of
 * docs/dns.md by hand until {@code vipkeeper lab api} can stand in for several clusters:
 * <pre>java -cp "$(cat dns/target/test-classpath.txt):dns/target/classes:dns/target/test-classes:core/target/classes:platform/target/classes" \
 *     io.vipkeeper.dns.SeedClusters /tmp/seed-kubeconfig</pre>
 */
public final class SeedClusters {

    private SeedClusters() {
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "seed-kubeconfig");
        String[][] seed = {{"fcp", "fr", "europe", "192.0.2.10"}, {"usa", "us", "america", "198.51.100.10"}, {"chn", "cn", "asia", "203.0.113.10"}};
        List<MockCluster> clusters = new java.util.ArrayList<>();
        for (String[] s : seed) {
            MockCluster c = new MockCluster(s[0]);
            // labelled as the seed did: kubectl label --all nodes failure-domain.beta.kubernetes.io/...
            c.node(s[0] + "-node-1", Map.of("failure-domain.beta.kubernetes.io/zone", s[1], "failure-domain.beta.kubernetes.io/region", s[2]));
            c.loadBalancer("default", "hello-world", Map.of(), s[3]);
            c.endpoints("default", "hello-world", true);
            clusters.add(c);
        }
        Files.writeString(out, MockCluster.kubeconfig(clusters));
        for (MockCluster c : clusters) {
            System.out.println("cluster " + c.name + " at " + c.url());
        }
        System.out.println("kubeconfig written to " + out.toAbsolutePath() + "; Ctrl-C to stop");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> clusters.forEach(MockCluster::close)));
        new CountDownLatch(1).await();
    }
}
