package io.vipkeeper.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.LoadBalancerIngressBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.vipkeeper.platform.EventRecorder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The real kubectl (on PATH) against the lab API on 127.0.0.1, port 0, with its own kubeconfig and cache. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LabApiServerKubectlTest {

    private static final Duration KUBECTL_TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    static Path dir;

    private final LabApiServer server = new LabApiServer();
    private Path kubeconfig;
    private KubernetesClient client;

    record Result(int exit, String out, String err, Duration took) {
    }

    @BeforeAll
    void start() {
        String url = server.start("127.0.0.1", 0);
        assertThat(url).startsWith("http://127.0.0.1:").doesNotEndWith(":0");
        kubeconfig = server.writeKubeconfig(dir.resolve("lab.kubeconfig"));
        client = server.client();
    }

    @AfterAll
    void stop() {
        server.close();
    }

    @Test
    void createGetPatchStatusAndYaml() throws Exception {
        Result created = kubectl("create", "-f", file("web.yaml", loadBalancer("web")));
        assertThat(created.exit()).as(created.err()).isZero();
        assertThat(created.out()).contains("service/web created");

        Result pending = kubectl("get", "svc", "web");
        assertThat(pending.out().lines().findFirst().orElseThrow().split("\\s+"))
                .containsExactly("NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE");
        assertThat(pending.out()).containsPattern("web\\s+LoadBalancer\\s+10\\.96\\.\\d+\\.\\d+\\s+<pending>\\s+80:3\\d{4}/TCP\\s+\\d+s");

        Result patched = kubectl("patch", "svc", "web", "--subresource=status", "--type=json",
                "-p", "[{\"op\":\"add\",\"path\":\"/status/loadBalancer/ingress\",\"value\":[{\"ip\":\"192.168.1.240\"}]}]");
        assertThat(patched.exit()).as(patched.err()).isZero();
        assertThat(kubectl("get", "svc", "web").out()).containsPattern("web\\s+LoadBalancer\\s+\\S+\\s+192\\.168\\.1\\.240\\s");
        assertThat(kubectl("get", "svc", "web", "-o", "wide").out()).contains("SELECTOR").contains("app=web");

        Result yaml = kubectl("get", "svc", "web", "-o", "yaml");
        assertThat(yaml.out()).contains("kind: Service", "name: web", "- ip: 192.168.1.240", "targetPort: 8080");
    }

    @Test
    void describeListsOnlyTheEventsOfThatService() {
        Service a = client.services().resource(service("ev-a")).create();
        Service b = client.services().resource(service("ev-b")).create();
        EventRecorder events = new EventRecorder(client, "vipkeeper-test", "lab-host");
        events.normal(a, "AddressAssigned", "assigned 192.168.1.241 to ev-a");
        events.warning(b, "NoAddress", "pool empty for ev-b");

        Result described = kubectl("describe", "svc", "ev-a");
        assertThat(described.exit()).as(described.err()).isZero();
        assertThat(described.out()).contains("Name:", "ev-a", "Events:", "AddressAssigned", "assigned 192.168.1.241 to ev-a")
                .doesNotContain("pool empty for ev-b");

        Result listed = kubectl("get", "events");
        assertThat(listed.out().lines().findFirst().orElseThrow().split("\\s{2,}"))
                .containsExactly("LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE");
        assertThat(listed.out()).containsPattern("Normal\\s+AddressAssigned\\s+service/ev-a\\s+assigned 192.168.1.241 to ev-a")
                .containsPattern("Warning\\s+NoAddress\\s+service/ev-b\\s+pool empty for ev-b");
    }

    @Test
    void mergePatchReplacesListsRemovesNullsAndLeavesStatusAlone() {
        client.services().resource(new ServiceBuilder(service("merge"))
                .editMetadata().addToLabels("drop", "me").endMetadata()
                .editSpec().addNewPort().withName("https").withPort(443).endPort().endSpec()
                .build()).create();
        client.services().withName("merge").editStatus(s -> new ServiceBuilder(s).editStatus().editLoadBalancer()
                .withIngress(new LoadBalancerIngressBuilder().withIp("192.168.1.242").build()).endLoadBalancer().endStatus().build());

        Result patched = kubectl("patch", "svc", "merge", "--type=merge", "-p",
                "{\"metadata\":{\"labels\":{\"drop\":null,\"tier\":\"front\"},\"annotations\":{\"note\":\"hi\"}},"
                        + "\"spec\":{\"ports\":[{\"name\":\"http\",\"port\":8080}]},"
                        + "\"status\":{\"loadBalancer\":{\"ingress\":[{\"ip\":\"6.6.6.6\"}]}}}");
        assertThat(patched.exit()).as(patched.err()).isZero();

        Service merged = client.services().withName("merge").get();
        assertThat(merged.getMetadata().getLabels()).isEqualTo(Map.of("app", "merge", "tier", "front"));
        assertThat(merged.getMetadata().getAnnotations()).containsEntry("note", "hi");
        assertThat(merged.getSpec().getPorts()).singleElement().satisfies(p -> assertThat(p.getPort()).isEqualTo(8080));
        // a patch of the main resource does not write status, as on a cluster
        assertThat(merged.getStatus().getLoadBalancer().getIngress()).singleElement()
                .satisfies(i -> assertThat(i.getIp()).isEqualTo("192.168.1.242"));

        assertThat(kubectl("label", "svc", "merge", "env=lab").exit()).isZero();
        assertThat(kubectl("annotate", "svc", "merge", "note-").exit()).isZero();
        merged = client.services().withName("merge").get();
        assertThat(merged.getMetadata().getLabels()).containsEntry("env", "lab");
        assertThat(merged.getMetadata().getAnnotations()).doesNotContainKey("note");
    }

    /**
     * docs/install.md without Helm, with the real kubectl and kustomize: deploy/manifests applies whole (and again
     * without changes) and deletes whole; the doc's overlay sets the pools and the interface.
     */
    @Test
    void applyKustomizeCreatesEveryObjectOfThePlainManifests() throws IOException {
        Path manifests = Path.of("..", "deploy", "manifests").toAbsolutePath().normalize();
        Result applied = kubectl("apply", "-k", manifests.toString());
        assertThat(applied.exit()).as(applied.err()).isZero();
        long objects = 0; // every object of every file kustomize lists (the namespace, the CRDs, the rendered chart)
        try (var files = Files.list(manifests)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml") && !p.endsWith("kustomization.yaml")).toList()) {
                objects += Files.readString(f).lines().filter(l -> l.startsWith("kind: ")).count();
            }
        }
        assertThat(applied.out()).contains("customresourcedefinition.apiextensions.k8s.io/vippools.vipkeeper.io created",
                "customresourcedefinition.apiextensions.k8s.io/bgppeers.vipkeeper.io created");
        assertThat(applied.out().lines().filter(l -> l.endsWith(" created"))).hasSize((int) objects);
        assertThat(applied.out()).contains("namespace/vipkeeper created", "daemonset.apps/vipkeeper-agent created",
                "deployment.apps/vipkeeper-controller created", "clusterrole.rbac.authorization.k8s.io/vipkeeper-agent created");

        Result again = kubectl("apply", "-k", manifests.toString());
        assertThat(again.exit()).as(again.err()).isZero();
        assertThat(again.out()).doesNotContain(" created").contains("daemonset.apps/vipkeeper-agent unchanged");
        assertThat(kubectl("-n", "vipkeeper", "get", "ds", "vipkeeper-agent", "-o", "jsonpath={.spec.template.spec.containers[0].args[2]}")
                .out()).as("what install.md's overlay replaces").isEqualTo("--iface=eth0");

        // uninstalled whole
        Result deleted = kubectl("delete", "-k", manifests.toString());
        assertThat(deleted.exit()).as(deleted.err()).isZero();
        assertThat(deleted.out().lines().filter(l -> l.endsWith(" deleted"))).hasSize((int) objects);

        // install.md's overlay, as a reader writes it beside deploy/ (here a link to this repository's), applied to a
        // cluster without vipkeeper
        String doc = Files.readString(manifests.resolve("../../docs/install.md"));
        int end = doc.indexOf("\nYAML\nkubectl apply -k .");
        String overlay = doc.substring(doc.lastIndexOf("<<'YAML'\n", end) + "<<'YAML'\n".length(), end);
        Path mine = Files.createDirectories(dir.resolve("reader/my-vipkeeper"));
        Files.createSymbolicLink(dir.resolve("reader/deploy"), manifests.getParent());
        Files.writeString(mine.resolve("kustomization.yaml"), overlay + "\n");
        Result overlaid = kubectl("apply", "-k", mine.toString());
        assertThat(overlaid.exit()).as(overlaid.err()).isZero();
        assertThat(overlaid.out()).contains("configmap/vipkeeper-pools created", "daemonset.apps/vipkeeper-agent created");
        assertThat(kubectl("-n", "vipkeeper", "get", "cm", "vipkeeper-pools", "-o", "jsonpath={.data.pools\\.yaml}").out())
                .contains("addresses: [192.0.2.200/29]");
        assertThat(kubectl("-n", "vipkeeper", "get", "ds", "vipkeeper-agent", "-o", "jsonpath={.spec.template.spec.containers[0].args[2]}")
                .out()).isEqualTo("--iface=ens3");
        // gone again, the VipPool CRD with it (the CRD test registers its own under that name)
        assertThat(kubectl("delete", "-k", mine.toString()).exit()).isZero();
    }

    /**
     * A CRD through kubectl as on a cluster: apply registers it (discovery, api-resources), instances apply at its
     * scope and are checked against its schema, get prints its printer columns, status is a subresource, apply of a
     * changed instance patches it, explain reads its schema, and deleting the CRD takes its instances along.
     */
    @Test
    void customResourceDefinitionsWorkAsOnACluster() {
        Result crd = kubectl("apply", "-f", crd("vippools-crd.yaml"));
        assertThat(crd.exit()).as(crd.err()).isZero();
        assertThat(crd.out()).contains("customresourcedefinition.apiextensions.k8s.io/vippools.vipkeeper.io created");
        assertThat(kubectl("api-resources", "--api-group=vipkeeper.io").out())
                .containsPattern("vippools\\s+vp\\s+vipkeeper.io/v1alpha1\\s+false\\s+VipPool");
        assertThat(kubectl("get", "crd").out()).contains("vippools.vipkeeper.io");

        Result created = kubectl("apply", "-f", crd("vippool-lab.yaml"));
        assertThat(created.exit()).as(created.err()).isZero();
        assertThat(created.out()).contains("vippool.vipkeeper.io/lab created");
        Result table = kubectl("get", "vippools");
        assertThat(table.out().lines().findFirst().orElseThrow().split("\\s+"))
                .containsExactly("NAME", "FIRST-ADDRESS", "MODE", "ALLOCATED", "AGE");
        assertThat(table.out()).containsPattern("lab\\s+192\\.0\\.2\\.0/28\\s+NAT\\s+\\d+s\\n");

        // status through its subresource only; a main-resource apply leaves it alone
        Result status = kubectl("patch", "vippool", "lab", "--subresource=status", "--type=merge",
                "-p", "{\"status\":{\"allocated\":3,\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}");
        assertThat(status.exit()).as(status.err()).isZero();
        Result changed = kubectl("apply", "-f", crd("vippool-lab-changed.yaml"));
        assertThat(changed.exit()).as(changed.err()).isZero();
        assertThat(changed.out()).contains("vippool.vipkeeper.io/lab configured");
        assertThat(kubectl("get", "vp", "-o", "wide").out())
                .containsPattern("NAME\\s+FIRST-ADDRESS\\s+MODE\\s+ALLOCATED\\s+READY\\s+AGE")
                .containsPattern("lab\\s+192\\.0\\.2\\.0/28\\s+DR\\s+3\\s+True\\s+");
        Result yaml = kubectl("get", "vippool", "lab", "-o", "yaml");
        assertThat(yaml.out()).contains("apiVersion: vipkeeper.io/v1alpha1", "kind: VipPool", "generation: 2", "tier: front",
                "- 198.51.100.0/28", "allocated: 3").doesNotContain("namespace:");
        assertThat(kubectl("get", "vippools", "-l", "tier=front", "-o", "name").out().strip()).isEqualTo("vippool.vipkeeper.io/lab");

        Result bad = kubectl("apply", "-f", crd("vippool-bad.yaml"));
        assertThat(bad.exit()).isNotZero();
        assertThat(bad.err()).contains("VipPool.vipkeeper.io \"bad\" is invalid",
                "spec.addresses[0]: Invalid value: \"192.0.2.0/28; rm -rf /\": spec.addresses[0] in body should match",
                "spec.mode: Unsupported value: \"BGP\": supported values: \"NAT\", \"DR\", \"PROXY\"",
                "spec.priority: Invalid value: 101: spec.priority in body should be less than or equal to 100");

        Result explain = kubectl("explain", "vippools.spec");
        assertThat(explain.exit()).as(explain.err()).isZero();
        assertThat(explain.out()).contains("KIND:", "VipPool", "How traffic to the pool's addresses is forwarded.");

        Result deleted = kubectl("delete", "-f", crd("vippools-crd.yaml"));
        assertThat(deleted.exit()).as(deleted.err()).isZero();
        Result gone = kubectl("get", "vippools");
        assertThat(gone.exit()).isNotZero();
        // kubectl's cached discovery still knows the type for a while, as with a cluster; the server no longer serves it
        assertThat(gone.err()).containsAnyOf("the server could not find the requested resource",
                "the server doesn't have a resource type \"vippools\"");
        // registered again, it starts empty: the instances went with the CRD
        assertThat(kubectl("apply", "-f", crd("vippools-crd.yaml")).exit()).isZero();
        assertThat(kubectl("get", "vippools").err()).contains("No resources found");
        assertThat(kubectl("delete", "crd", "vippools.vipkeeper.io").exit()).isZero();
    }

    private static String crd(String file) {
        return Path.of("src", "test", "resources", "crd", file).toAbsolutePath().toString();
    }

    @Test
    void deleteThenNotFound() {
        client.services().resource(service("gone")).create();
        Result deleted = kubectl("delete", "svc", "gone");
        assertThat(deleted.exit()).as(deleted.err()).isZero();
        assertThat(deleted.out()).contains("service \"gone\" deleted");
        Result missing = kubectl("get", "svc", "gone");
        assertThat(missing.exit()).isNotZero();
        assertThat(missing.err()).contains("NotFound", "services \"gone\" not found");
    }

    @Test
    void generatorsSendingProtobufFailFastWithAHint() {
        Result r = kubectl("create", "service", "loadbalancer", "x", "--tcp=80:8080");
        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("reads JSON only", "kubectl create -f");
        assertThat(r.took()).isLessThan(Duration.ofSeconds(10));
        assertThat(client.services().withName("x").get()).isNull();
    }

    @Test
    void strategicMergePatchWorksAndAPlainHttpWatchIsRefusedClearly() {
        client.services().resource(service("smp")).create();
        Result smp = kubectl("patch", "svc", "smp", "-p", "{\"metadata\":{\"labels\":{\"x\":\"y\"}},"
                + "\"spec\":{\"ports\":[{\"port\":443,\"name\":\"https\"}]}}");
        assertThat(smp.exit()).as(smp.err()).isZero();
        Service patched = client.services().withName("smp").get();
        assertThat(patched.getMetadata().getLabels()).containsEntry("x", "y").containsEntry("app", "smp");
        assertThat(patched.getSpec().getPorts()).as("Service ports merge by port").extracting(p -> p.getPort()).containsExactly(80, 443);
        Result retain = kubectl("patch", "svc", "smp", "-p", "{\"spec\":{\"$retainKeys\":[\"type\"],\"type\":\"ClusterIP\"}}");
        assertThat(retain.exit()).isNotZero();
        assertThat(retain.err()).contains("does not implement $retainKeys", "--type=merge");
        Result watch = kubectl("get", "svc", "-w");
        assertThat(watch.exit()).isNotZero();
        assertThat(watch.err()).contains("watches over WebSocket only");
    }

    /** kubectl apply over existing built-in objects: a three-way strategic merge patch (containers by name, ports by port). */
    @Test
    void applyOverExistingObjectsMergesStrategically() {
        String v1 = """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: web, labels: {app: web}}
                spec:
                  replicas: 1
                  selector: {matchLabels: {app: web}}
                  template:
                    metadata: {labels: {app: web}}
                    spec:
                      containers:
                      - {name: web, image: "nginx:1.26", ports: [{containerPort: 80}], env: [{name: A, value: "1"}]}
                      - {name: sidecar, image: "busybox:1.36"}
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: web-svc}
                spec:
                  type: LoadBalancer
                  selector: {app: web}
                  ports: [{name: http, port: 80, targetPort: 80}]
                """;
        Result created = kubectl("apply", "-f", file("apply-v1.yaml", v1));
        assertThat(created.exit()).as(created.err()).isZero();
        assertThat(created.out()).contains("deployment.apps/web created", "service/web-svc created");
        // someone else's change the next apply must keep (a field apply never managed)
        assertThat(kubectl("patch", "svc", "web-svc", "--subresource=status", "--type=merge",
                "-p", "{\"status\":{\"loadBalancer\":{\"ingress\":[{\"ip\":\"192.0.2.50\"}]}}}").exit()).isZero();

        String v2 = v1.replace("nginx:1.26", "nginx:1.27").replace("[{name: A, value: \"1\"}]", "[{name: A, value: \"1\"}, {name: B, value: \"2\"}]")
                .replace("      - {name: sidecar, image: \"busybox:1.36\"}\n", "")
                .replace("replicas: 1", "replicas: 2")
                .replace("ports: [{name: http, port: 80, targetPort: 80}]", "ports: [{name: http, port: 80, targetPort: 8080}, {name: https, port: 443}]");
        String v2File = file("apply-v2.yaml", v2);
        Result diff = kubectl("diff", "-f", v2File);
        assertThat(diff.exit()).as(diff.err()).isEqualTo(1);
        assertThat(diff.out()).contains("+        image: nginx:1.27", "-        image: nginx:1.26");
        Result dry = kubectl("apply", "--dry-run=server", "-f", v2File);
        assertThat(dry.out()).as(dry.err()).contains("deployment.apps/web configured (server dry run)");
        assertThat(kubectl("get", "deploy", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}").out())
                .as("a dry run writes nothing").isEqualTo("nginx:1.26");
        Result applied = kubectl("apply", "-f", v2File);
        assertThat(applied.exit()).as(applied.err()).isZero();
        assertThat(applied.out()).contains("deployment.apps/web configured", "service/web-svc configured");

        assertThat(kubectl("get", "deploy", "web", "-o",
                "jsonpath={.spec.replicas} {.spec.template.spec.containers[*].name} {.spec.template.spec.containers[0].image}"
                        + " {.spec.template.spec.containers[0].env[*].name} {.metadata.generation}").out())
                .isEqualTo("2 web nginx:1.27 A B 2");
        assertThat(kubectl("get", "svc", "web-svc", "-o",
                "jsonpath={.spec.ports[*].port} {.spec.ports[0].targetPort} {.status.loadBalancer.ingress[0].ip}").out())
                .isEqualTo("80 443 8080 192.0.2.50");
        Result again = kubectl("apply", "-f", file("apply-v2.yaml", v2));
        assertThat(again.out()).contains("deployment.apps/web unchanged", "service/web-svc unchanged");
    }

    @Test
    void configMapInKubeSystemAndTables() {
        String cm = """
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: vip-configmap, namespace: kube-system}
                data: {"192.168.1.240": "default/web"}
                """;
        assertThat(kubectl("create", "-f", file("cm.yaml", cm)).exit()).isZero();
        Result yaml = kubectl("get", "configmap", "-n", "kube-system", "vip-configmap", "-o", "yaml");
        assertThat(yaml.out()).contains("kind: ConfigMap", "namespace: kube-system", "192.168.1.240: default/web");
        assertThat(kubectl("get", "cm", "-n", "kube-system").out()).containsPattern("NAME\\s+DATA\\s+AGE")
                .containsPattern("vip-configmap\\s+1\\s+");
        assertThat(kubectl("get", "ns").out()).containsPattern("default\\s+Active").containsPattern("kube-system\\s+Active");
        assertThat(kubectl("api-resources").out())
                .containsPattern("services\\s+svc\\s+v1\\s+true\\s+Service")
                .containsPattern("endpointslices\\s+discovery.k8s.io/v1\\s+true\\s+EndpointSlice")
                .containsPattern("leases\\s+coordination.k8s.io/v1\\s+true\\s+Lease")
                .containsPattern("nodes\\s+no\\s+v1\\s+false\\s+Node");
    }

    @Test
    void fabric8InformerSeesAddUpdateDelete() throws Exception {
        BlockingQueue<String> seen = new LinkedBlockingQueue<>();
        SharedIndexInformer<Service> informer = client.services().inNamespace("default").inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Service s) {
                seen.add("add " + s.getMetadata().getName());
            }

            @Override
            public void onUpdate(Service old, Service s) {
                if (s.getStatus() != null && s.getStatus().getLoadBalancer() != null
                        && !s.getStatus().getLoadBalancer().getIngress().isEmpty()) {
                    seen.add("update " + s.getMetadata().getName() + " " + s.getStatus().getLoadBalancer().getIngress().get(0).getIp());
                }
            }

            @Override
            public void onDelete(Service s, boolean unknownFinalState) {
                seen.add("delete " + s.getMetadata().getName());
            }
        });
        try {
            assertThat(kubectl("create", "-f", file("informed.yaml", loadBalancer("informed"))).exit()).isZero();
            awaitEvent(seen, "add informed");
            assertThat(kubectl("patch", "svc", "informed", "--subresource=status", "--type=merge",
                    "-p", "{\"status\":{\"loadBalancer\":{\"ingress\":[{\"ip\":\"192.168.1.243\"}]}}}").exit()).isZero();
            awaitEvent(seen, "update informed 192.168.1.243");
            assertThat(kubectl("delete", "svc", "informed").exit()).isZero();
            awaitEvent(seen, "delete informed");
        } finally {
            informer.close();
        }
    }

    @Test
    void kubeconfigWorksWithFabric8() {
        Config config = Config.fromKubeconfig(kubeconfig.toFile());
        assertThat(config.getMasterUrl()).startsWith(server.url());
        assertThat(config.getCurrentContext().getName()).isEqualTo(LabApiServer.CONTEXT);
        assertThat(config.getNamespace()).isEqualTo("default");
        try (KubernetesClient fromFile = new KubernetesClientBuilder().withConfig(config).build()) {
            assertThat(fromFile.namespaces().list().getItems()).extracting(Namespace::getMetadata)
                    .extracting(m -> m.getName()).contains("default", "kube-system");
            assertThat(fromFile.getKubernetesVersion().getGitVersion()).isEqualTo(Discovery.GIT_VERSION);
        }
    }

    @Test
    void aBusyPortIsReportedWithTheReason() {
        try (LabApiServer other = new LabApiServer()) {
            assertThatThrownBy(() -> other.start("127.0.0.1", server.port()))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("Address already in use");
        }
    }

    private static void awaitEvent(BlockingQueue<String> seen, String expected) throws InterruptedException {
        List<String> others = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            String e = seen.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (expected.equals(e)) {
                return;
            }
            others.add(e);
        }
        throw new AssertionError("no '" + expected + "' within 10s; saw " + others);
    }

    private static Service service(String name) {
        return new ServiceBuilder().withNewMetadata().withName(name).withNamespace("default").addToLabels("app", name).endMetadata()
                .withNewSpec().withType("LoadBalancer").addToSelector("app", name)
                .addNewPort().withName("http").withPort(80).endPort().endSpec().build();
    }

    private static String loadBalancer(String name) {
        return """
                apiVersion: v1
                kind: Service
                metadata:
                  name: %1$s
                  labels: {app: %1$s}
                spec:
                  type: LoadBalancer
                  selector: {app: %1$s}
                  ports:
                  - {name: http, port: 80, targetPort: 8080}
                """.formatted(name);
    }

    private String file(String name, String content) {
        try {
            return Files.writeString(dir.resolve(name), content).toString();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs kubectl with this server's kubeconfig, a private cache and HOME, bounded by a timeout. */
    private Result kubectl(String... args) {
        List<String> command = new ArrayList<>(List.of("kubectl", "--kubeconfig", kubeconfig.toString()));
        command.addAll(List.of(args));
        try {
            Path out = Files.createTempFile(dir, "kubectl", ".out");
            Path err = Files.createTempFile(dir, "kubectl", ".err");
            ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().put("HOME", dir.toString());
            pb.environment().put("KUBECACHEDIR", dir.resolve("kube-cache").toString());
            pb.environment().remove("KUBECONFIG");
            long started = System.nanoTime();
            Process p = pb.start();
            if (!p.waitFor(KUBECTL_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                throw new AssertionError("timed out after " + KUBECTL_TIMEOUT + ": " + command + "\n" + Files.readString(err));
            }
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err), Duration.ofNanos(System.nanoTime() - started));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
