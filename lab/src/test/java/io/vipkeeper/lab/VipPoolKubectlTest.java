package io.vipkeeper.lab;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vipkeeper.controller.ControllerCommand;
import io.vipkeeper.controller.ControllerSettings;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chart's VipPool CRD end to end: kubectl applies it and VipPools to the lab API (which serves CRDs as a cluster
 * does: discovery, schema, status subresource, printer columns), the real controller serves them, and
 * {@code kubectl get vippools} shows NAME, ADDRESSES, USED, FREE, AGE with the controller's numbers.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VipPoolKubectlTest {

    private static final Duration KUBECTL_TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    static Path dir;

    private final LabApiServer server = new LabApiServer();
    private Path kubeconfig;
    private KubernetesClient client;
    private ControllerCommand.Running controller;

    record Result(int exit, String out, String err) {
    }

    @BeforeAll
    void start() {
        server.start("127.0.0.1", 0);
        kubeconfig = server.writeKubeconfig(dir.resolve("lab.kubeconfig"));
        client = server.client();
    }

    @AfterAll
    void stop() {
        if (controller != null) {
            controller.close();
        }
        server.close();
    }

    static Path chartCrd() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path crd = p.resolve("deploy/helm/vipkeeper/crds/vippools.vipkeeper.io.yaml");
            if (Files.isRegularFile(crd)) {
                return crd;
            }
        }
        throw new IllegalStateException("the chart's CRD is not above " + Path.of("").toAbsolutePath());
    }

    @Test
    void poolsAsObjectsThroughKubectl() throws Exception {
        Result crd = kubectl("apply", "-f", chartCrd().toString());
        assertThat(crd.exit()).as(crd.err()).isZero();
        assertThat(kubectl("api-resources", "--api-group=vipkeeper.io").out())
                .containsPattern("vippools\\s+vp\\s+vipkeeper.io/v1alpha1\\s+false\\s+VipPool");
        controller = ControllerCommand.start(server.client(), ControllerSettings.builder().leaderElect(false).identity("test")
                .batchDelay(Duration.ofMillis(20)).build(), new PrometheusRegistry());

        apply("lan", "addresses: [192.0.2.10-192.0.2.10]");
        client.services().resource(lb("a")).create();
        await(() -> ingress("a").equals(List.of("192.0.2.10")), "a gets the pool's address");
        client.services().resource(lb("b")).create();
        await(() -> events("b", "AllocationFailed"), "b waits: the pool is exhausted");
        await(() -> row("lan").matches("lan\\s+192\\.0\\.2\\.10-192\\.0\\.2\\.10\\s+1\\s+0\\s+\\d+s"), "kubectl get vippools: lan full");
        Result table = kubectl("get", "vippools");
        assertThat(table.out().lines().findFirst().orElseThrow().split("\\s+")).containsExactly("NAME", "ADDRESSES", "USED", "FREE", "AGE");

        // live edit: a range added, the pending Service gets an address
        apply("lan", "addresses: [192.0.2.10-192.0.2.10, 192.0.2.20-192.0.2.21]");
        await(() -> ingress("b").equals(List.of("192.0.2.20")), "b gets an address from the added range");
        await(() -> row("lan").matches("lan\\s+192\\.0\\.2\\.10-192\\.0\\.2\\.10 \\+1\\s+2\\s+1\\s+\\d+s"), "kubectl get vippools: lan 2 used, 1 free");
        assertThat(condition("lan", "Ready")).isEqualTo("True");

        // a newer pool sharing an address: Conflict on it, naming the older
        apply("later", "addresses: [192.0.2.21-192.0.2.30]");
        await(() -> "True".equals(condition("later", "Conflict")), "later: Conflict");
        assertThat(kubectl("get", "vippool", "later", "-o", "jsonpath={.status.conditions[?(@.type==\"Conflict\")].message}").out())
                .contains("of pool lan, which is older");
        assertThat(condition("later", "Ready")).isEqualTo("False");
        // the pool's Events show where an operator looks (a cluster-scoped object: its reference has no namespace)
        await(() -> kubectl("describe", "vippool", "later").out().contains("PoolConflict"), "later: PoolConflict in describe");
        // invalid in a way no schema can tell (two ranges of one pool overlap): Invalid naming the field
        apply("twice", "addresses: [192.0.2.40/29, 192.0.2.44-192.0.2.45]");
        await(() -> "True".equals(condition("twice", "Invalid")), "twice: Invalid");
        assertThat(kubectl("get", "vippool", "twice", "-o", "jsonpath={.status.conditions[?(@.type==\"Invalid\")].message}").out())
                .startsWith("spec.addresses:");
        // what the schema can tell is refused by the API server itself
        Result refused = kubectl("apply", "-f", file("bad", "addresses: [192.0.2.50/32]\n  forwardMethod: TUN"));
        assertThat(refused.exit()).isNotZero();
        assertThat(refused.err()).contains("spec.forwardMethod");

        // deleted: the Services keep their addresses until they change, and are told
        assertThat(kubectl("delete", "vippool", "lan").exit()).isZero();
        await(() -> events("a", "AddressOutsidePools"), "AddressOutsidePools on a");
        assertThat(ingress("a")).containsExactly("192.0.2.10");
        assertThat(ingress("b")).containsExactly("192.0.2.20");
        // the older pool gone, later is used now
        await(() -> "True".equals(condition("later", "Ready")), "later: Ready once lan is gone");
    }

    void apply(String name, String spec) {
        Result r = kubectl("apply", "-f", file(name, spec));
        assertThat(r.exit()).as(r.err()).isZero();
    }

    String file(String name, String spec) {
        try {
            Path f = Files.createTempFile(dir, name, ".yaml");
            Files.writeString(f, "apiVersion: vipkeeper.io/v1alpha1\nkind: VipPool\nmetadata:\n  name: " + name + "\nspec:\n  " + spec + "\n");
            return f.toString();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    String row(String pool) {
        return kubectl("get", "vippools").out().lines().filter(l -> l.startsWith(pool + " ")).findFirst().orElse("").strip();
    }

    String condition(String pool, String type) {
        return kubectl("get", "vippool", pool, "-o", "jsonpath={.status.conditions[?(@.type==\"" + type + "\")].status}").out().strip();
    }

    static Service lb(String name) {
        return new ServiceBuilder().withNewMetadata().withNamespace("default").withName(name).endMetadata()
                .withNewSpec().withType("LoadBalancer").addNewPort().withName("http").withProtocol("TCP").withPort(80).endPort().endSpec().build();
    }

    List<String> ingress(String name) {
        Service s = client.services().inNamespace("default").withName(name).get();
        if (s == null || s.getStatus() == null || s.getStatus().getLoadBalancer() == null || s.getStatus().getLoadBalancer().getIngress() == null) {
            return List.of();
        }
        return s.getStatus().getLoadBalancer().getIngress().stream().map(i -> i.getIp()).toList();
    }

    boolean events(String service, String reason) {
        return client.v1().events().inNamespace("default").list().getItems().stream()
                .anyMatch(e -> reason.equals(e.getReason()) && e.getInvolvedObject() != null && service.equals(e.getInvolvedObject().getName()));
    }

    static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        assertThat(condition.getAsBoolean()).as("timed out waiting for " + what).isTrue();
    }

    private Result kubectl(String... args) {
        List<String> command = new ArrayList<>(List.of("kubectl", "--kubeconfig", kubeconfig.toString()));
        command.addAll(List.of(args));
        try {
            Path out = Files.createTempFile(dir, "kubectl", ".out");
            Path err = Files.createTempFile(dir, "kubectl", ".err");
            ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            pb.environment().put("HOME", dir.toString());
            pb.environment().put("KUBECACHEDIR", dir.resolve("kube-cache").toString());
            pb.environment().remove("KUBECONFIG");
            Process p = pb.start();
            if (!p.waitFor(KUBECTL_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                throw new AssertionError("timed out after " + KUBECTL_TIMEOUT + ": " + command + "\n" + Files.readString(err));
            }
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
