package io.vipkeeper.lab;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.platform.Flags;
import io.vipkeeper.platform.KubeOptions;
import io.vipkeeper.platform.KubeReads;
import io.vipkeeper.platform.OptionChecks;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The controller's scale benchmark: creates many LoadBalancer Services, waits until every one has an address,
 * and reads the controller's own write counters. See docs/benchmarks.md.
 */
@Command(name = "load-services", mixinStandardHelpOptions = true,
        description = {"Benchmark: create N LoadBalancer Services (in namespace vk-load) and report the time until every one has an",
            "EXTERNAL-IP and the API writes the controller made per allocation. Needs a running controller."})
public final class LoadServicesCommand implements Callable<Integer>, OptionChecks {

    @Mixin
    KubeOptions kube = new KubeOptions();

    @Option(names = "--count", defaultValue = "2000", converter = Count.class, description = "Services to create (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--ip-family", defaultValue = "IPv4", converter = Family.class, description = "IPv4 or IPv6 (default: ${DEFAULT-VALUE}).")
    String family;

    @Option(names = "--metrics", defaultValue = "http://127.0.0.1:10252/metrics", converter = Url.class, description = "The controller's /metrics URL (default: ${DEFAULT-VALUE}).")
    String metricsUrl;

    @Option(names = "--timeout", defaultValue = "300", converter = Seconds.class, description = "Seconds to wait after the last create at most (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Option(names = "--keep", description = "Leave the Services in place (default: delete them at the end).")
    boolean keep;

    @Option(names = "--ports", defaultValue = "1", converter = Ports.class, description = "Ports per Service (80, 81, ...; default: ${DEFAULT-VALUE}).")
    int ports;

    @Option(names = "--endpoints", defaultValue = "0", converter = Endpoints.class,
            description = "Also create an EndpointSlice per Service with this many ready endpoints (for agent benchmarks; default: ${DEFAULT-VALUE}).")
    int endpoints;

    static final class Count extends Flags.IntRange {
        Count() {
            super(1, 100_000, "a number of Services");
        }
    }

    static final class Seconds extends Flags.IntRange {
        Seconds() {
            super(1, 86_400, "seconds");
        }
    }

    static final class Ports extends Flags.IntRange {
        Ports() {
            super(1, 100, "a number of ports");
        }
    }

    static final class Endpoints extends Flags.IntRange {
        Endpoints() {
            super(0, 1000, "a number of endpoints");
        }
    }

    /** IPv4 or IPv6, as spec.ipFamilies spells them. */
    static final class Family implements CommandLine.ITypeConverter<String> {
        @Override
        public String convert(String value) {
            if (!value.equals("IPv4") && !value.equals("IPv6")) {
                throw new CommandLine.TypeConversionException("IPv4 or IPv6, not " + InvalidInputException.quote(value));
            }
            return value;
        }
    }

    /** An http(s) URL. */
    static final class Url implements CommandLine.ITypeConverter<String> {
        @Override
        public String convert(String value) {
            URI u;
            try {
                u = new URI(value);
            } catch (URISyntaxException e) {
                u = null;
            }
            if (u == null || u.getHost() == null || !("http".equals(u.getScheme()) || "https".equals(u.getScheme()))) {
                throw new CommandLine.TypeConversionException("not an http(s) URL: " + InvalidInputException.quote(value));
            }
            return value;
        }
    }

    /** The kubeconfig's context, before any Service is created. */
    @Override
    public void checkOptions() {
        kube.config();
    }

    @Override
    public Integer call() throws Exception {
        String ns = "vk-load";
        // the in-memory API answers slower as it fills up (seconds per request near 10,000 objects): wait for it
        Config config = new ConfigBuilder(kube.config()).withRequestTimeout(120_000).build();
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
            Map<String, Double> before = writes();
            long start = System.nanoTime();
            for (int n = 0; n < count; n++) {
                int i = n;
                create(() -> client.services().inNamespace(ns).resource(service(ns, "svc-" + i)).create());
                if (endpoints > 0) {
                    create(() -> client.discovery().v1().endpointSlices().inNamespace(ns).resource(slice(ns, "svc-" + i, i)).create());
                }
            }
            long created = System.nanoTime();
            long deadline = created + Duration.ofSeconds(timeoutSeconds).toNanos();
            long done;
            int withAddress;
            while (true) {
                withAddress = (int) client.services().inNamespace(ns).list().getItems().stream().filter(s -> !KubeReads.ingressIps(s).isEmpty()).count();
                done = System.nanoTime();
                if (withAddress >= count || done > deadline) {
                    break;
                }
                Thread.sleep(50);
            }
            Thread.sleep(500); // let the last ConfigMap batch land before reading the counters
            Map<String, Double> after = writes();
            System.out.printf("services created:        %d in %.2f s%n", count, (created - start) / 1e9);
            System.out.printf("all with an address:     %s after %.2f s from the first create%n",
                    withAddress >= count ? "yes" : "NO (" + withAddress + ")", (done - start) / 1e9);
            for (String kind : new TreeMap<>(after).keySet()) {
                double n = after.get(kind) - before.getOrDefault(kind, 0.0);
                System.out.printf("API writes (%-10s): %6.0f  = %.3f per Service%n", kind, n, n / count);
            }
            if (!keep) {
                client.services().inNamespace(ns).delete();
            }
            return withAddress >= count ? 0 : 1;
        }
    }

    /**
     * A create; "already exists" counts as created: when the in-memory API is slow, the client's retry of a POST that
     * timed out finds the object its first attempt made.
     */
    private static void create(Runnable create) {
        try {
            create.run();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
        }
    }

    private Service service(String ns, String name) {
        ServiceBuilder b = new ServiceBuilder().withNewMetadata().withNamespace(ns).withName(name).endMetadata()
                .withNewSpec().withType("LoadBalancer").withIpFamilies(family).endSpec();
        for (int p = 0; p < ports; p++) {
            b.editSpec().addNewPort().withName("p" + p).withProtocol("TCP").withPort(80 + p).withNewTargetPort(8080 + p).endPort().endSpec();
        }
        return b.build();
    }

    /** Ready endpoints in 2001:db8:1::/64 (documentation addresses; nothing is sent to them). */
    private io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice slice(String ns, String service, int index) {
        var b = new io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder().withNewMetadata().withNamespace(ns)
                .withName(service + "-x").addToLabels("kubernetes.io/service-name", service).endMetadata().withAddressType("IPv6");
        for (int p = 0; p < ports; p++) {
            b.addNewPort().withName("p" + p).withProtocol("TCP").withPort(8080 + p).endPort();
        }
        for (int e = 0; e < endpoints; e++) {
            // as the EndpointSlice controller writes them: node, zone and the pod they belong to
            b.addNewEndpoint().withAddresses(String.format("2001:db8:1::%x:%x", index, e)).withNewConditions().withReady(true)
                    .withServing(true).withTerminating(false).endConditions().withNodeName("node-" + (e % 3)).withZone("zone-a")
                    .withNewTargetRef().withKind("Pod").withNamespace(ns).withName(service + "-pod-" + e)
                    .withUid(String.format("00000000-0000-4000-8000-%012x", (long) index * 1000 + e)).endTargetRef().endEndpoint();
        }
        return b.build();
    }

    /** vipkeeper_api_writes_total by kind, from the controller's metrics. */
    private Map<String, Double> writes() throws Exception {
        String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(metricsUrl)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Map<String, Double> out = new TreeMap<>();
        Matcher m = Pattern.compile("(?m)^vipkeeper_api_writes_total\\{kind=\"([a-z]+)\"\\} ([0-9.eE+]+)$").matcher(body);
        while (m.find()) {
            out.put(m.group(1), Double.parseDouble(m.group(2)));
        }
        return out;
    }
}
