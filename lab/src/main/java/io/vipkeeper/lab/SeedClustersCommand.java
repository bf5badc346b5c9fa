package io.vipkeeper.lab;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.platform.Flags;
import io.vipkeeper.platform.LoggingOptions;
import io.vipkeeper.platform.OptionChecks;
import io.vipkeeper.platform.StartupException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code vipkeeper lab clusters}: the three clusters of seed 004 as in-memory API servers, for trying federation
 * DNS (docs/dns.md) without clusters. Each has a Node labelled with its zone and region (as the seed labelled
 * them), and a {@code hello-world} LoadBalancer Service with an address and a ready endpoint.
 */
@Command(name = "clusters", mixinStandardHelpOptions = true,
        description = {"Runs the seed's three clusters fcp (fr/europe), usa (us/america) and chn (cn/asia) as in-memory API",
            "servers (stand-ins: no validation, nothing persisted) and writes one kubeconfig with a context per cluster."})
public final class SeedClustersCommand implements Callable<Integer>, OptionChecks {

    /** name, zone, region, the hello-world Service's address (documentation ranges). */
    static final String[][] SEED = {{"fcp", "fr", "europe", "192.0.2.10"}, {"usa", "us", "america", "198.51.100.10"},
        {"chn", "cn", "asia", "203.0.113.10"}};

    @Mixin
    LoggingOptions logging = new LoggingOptions();

    @Option(names = "--kubeconfig-out", defaultValue = "clusters.kubeconfig", paramLabel = "FILE", description = "Where to write the kubeconfig (default: ${DEFAULT-VALUE}).")
    Path kubeconfigOut;

    @Option(names = "--host", defaultValue = "127.0.0.1", converter = Flags.Host.class, description = "Address the API servers listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Override
    public void checkOptions() {
        Flags.writable("--kubeconfig-out", kubeconfigOut);
        try {
            InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new InvalidInputException("--host: cannot resolve " + InvalidInputException.quote(host) + " to an address");
        }
    }

    @Override
    public Integer call() throws Exception {
        logging.apply();
        List<LabApiServer> servers = new ArrayList<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> servers.forEach(LabApiServer::close), "shutdown"));
        StringBuilder clusters = new StringBuilder();
        StringBuilder contexts = new StringBuilder();
        for (String[] s : SEED) {
            LabApiServer server = new LabApiServer();
            servers.add(server);
            String url;
            try {
                url = server.start(host, 0);
            } catch (IllegalArgumentException | IllegalStateException e) {
                // a valid address the machine refuses (not one of its own): one line, exit 1
                throw new StartupException("cannot listen on " + host + ": " + e.getMessage(), e);
            }
            populate(server.client(), s[0], s[1], s[2], s[3]);
            clusters.append("- name: ").append(s[0]).append("\n  cluster:\n    server: ").append(url).append('\n');
            contexts.append("- name: ").append(s[0]).append("\n  context:\n    cluster: ").append(s[0])
                    .append("\n    user: lab\n    namespace: default\n");
            System.out.printf("cluster %s (%s/%s) at %s: hello-world has %s%n", s[0], s[1], s[2], url, s[3]);
        }
        Files.writeString(kubeconfigOut, "# vipkeeper lab clusters: in-memory stand-ins (nothing is persisted)\n"
                + "apiVersion: v1\nkind: Config\nclusters:\n" + clusters + "contexts:\n" + contexts
                + "current-context: fcp\nusers:\n- name: lab\n  user: {}\n");
        System.out.println("kubeconfig: " + kubeconfigOut.toAbsolutePath() + " (contexts fcp, usa, chn); Ctrl-C to stop");
        new CountDownLatch(1).await();
        return 0;
    }

    static void populate(KubernetesClient c, String cluster, String zone, String region, String ip) {
        // labelled as seed 004 did: kubectl label --all nodes failure-domain.beta.kubernetes.io/zone=... region=...
        c.nodes().resource(new NodeBuilder().withNewMetadata().withName(cluster + "-node-1")
                .addToLabels("failure-domain.beta.kubernetes.io/zone", zone)
                .addToLabels("failure-domain.beta.kubernetes.io/region", region).endMetadata()
                .withNewStatus().addNewAddress().withType("InternalIP").withAddress(ip.replaceAll("\\.10$", ".11")).endAddress()
                .endStatus().build()).create();
        c.services().inNamespace("default").resource(new ServiceBuilder().withNewMetadata().withName("hello-world")
                .withNamespace("default").endMetadata().withNewSpec().withType("LoadBalancer").addToSelector("app", "hello-world")
                .addNewPort().withName("http").withProtocol("TCP").withPort(80).withNewTargetPort(8080).endPort().endSpec().build())
                .create();
        c.services().inNamespace("default").withName("hello-world").editStatus(s -> new ServiceBuilder(s).editOrNewStatus()
                .withNewLoadBalancer().addNewIngress().withIp(ip).endIngress().endLoadBalancer().endStatus().build());
        c.discovery().v1().endpointSlices().inNamespace("default").resource(new EndpointSliceBuilder().withNewMetadata()
                .withName("hello-world-1").withNamespace("default").addToLabels("kubernetes.io/service-name", "hello-world").endMetadata()
                .withAddressType("IPv4").addNewPort().withName("http").withProtocol("TCP").withPort(8080).endPort()
                .addNewEndpoint().withAddresses(ip.replaceAll("\\.10$", ".101")).withNewConditions().withReady(true).endConditions()
                .endEndpoint().build()).create();
    }
}
