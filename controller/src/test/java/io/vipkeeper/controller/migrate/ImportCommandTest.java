package io.vipkeeper.controller.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.vipkeeper.platform.CliErrors;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code vipkeeper import metallb|kube-vip} on example files written from MetalLB's and kube-vip's documented formats
 * (src/test/resources/migrate; the expected VipPools byte for byte), hostile ones, and a cluster's objects.
 */
class ImportCommandTest {

    static final Path DIR = Path.of("src/test/resources/migrate");

    record Run(int exit, String out, String err) {
        List<String> errLines() {
            return err.strip().isEmpty() ? List.of() : err.strip().lines().toList();
        }
    }

    static Run run(String... args) {
        CommandLine cl = CliErrors.install(new CommandLine(new ImportCommand()));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    static String file(String name) {
        return DIR.resolve(name).toString();
    }

    static String expected(String name) throws IOException {
        return Files.readString(DIR.resolve(name));
    }

    @Test
    void metalLbLayer2ConfigurationConvertsWhole() throws IOException {
        Run r = run("metallb", file("metallb-l2.yaml"));
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).isEqualTo(expected("metallb-l2.expected.yaml"));
        assertThat(r.out()).contains("- \"192.0.2.240-192.0.2.255\"", "kubernetes.io/hostname: \"node-1\"", "interface: \"eth1\"");
    }

    @Test
    void metalLbBgpPeerIsNamedOnStderrAndExitsThree() throws IOException {
        Run r = run("metallb", file("metallb-bgp.yaml"));
        assertThat(r.exit()).isEqualTo(3);
        assertThat(r.out()).isEqualTo(expected("metallb-bgp.expected.yaml")).contains("announce: \"bgp\"", "- \"64512:59\"");
        assertThat(r.errLines()).containsExactly("import metallb: left out: BGPPeer sample: BGP peers are not part of a VipPool;"
                + " set up the agents' BGP peering for 192.0.2.1 (peer ASN 64501, local ASN 64500) (docs/migration.md)");
    }

    @Test
    void metalLbFilesTogetherAsOneConfiguration() {
        Run r = run("metallb", file("metallb-l2.yaml"), file("metallb-bgp.yaml"));
        assertThat(r.exit()).isEqualTo(3);
        assertThat(r.out()).contains("name: \"first-pool\"", "name: \"expensive\"", "name: \"bgp-pool\"");
    }

    @Test
    void hostileMetalLbInputPrintsNothingAndNamesEachProblem() {
        Run r = run("metallb", file("metallb-hostile.yaml"));
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.errLines()).containsExactly(
                "import metallb: IPAddressPool \"bad\\u000aname\": not an object name",
                "import metallb: IPAddressPool bad-cidr.spec.addresses[0]: prefix length 33 is out of range for IPv4 in \"198.51.100.0/33\"",
                "import metallb: IPAddressPool huge.spec.serviceAllocation.priority: not a whole number from -2147483648 to 2147483647:"
                        + " \"99999999999999999999999\"",
                "import metallb: L2Advertisement evil-iface.spec.interfaces: not a valid interface name: \"eth0\\u000a}\\u000avrrp_script x {\""
                        + " (1-15 letters, digits, '.', '_' or '-')",
                "import metallb: nothing printed: 4 thing(s) in the input do not parse");
    }

    @Test
    @Timeout(20)
    void hugeRangesConvertQuickly() {
        Run r = run("metallb", file("metallb-huge.yaml"));
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("- \"0.0.0.0-255.255.255.255\"", "- \"::/0\"");
    }

    @Test
    void kubeVipConfigMapAsItsReadmeShowsIt() throws IOException {
        Run r = run("kube-vip", file("kubevip.yaml"));
        assertThat(r.exit()).isEqualTo(3);
        assertThat(r.out()).isEqualTo(expected("kubevip.expected.yaml"));
        assertThat(r.errLines()).singleElement().asString().startsWith("import kube-vip: left out: allow-share-development:");
        Run simple = run("kube-vip", file("kubevip-simple.yaml"));
        assertThat(simple.exit()).as(simple.err()).isZero();
        assertThat(simple.out()).isEqualTo(expected("kubevip-simple.expected.yaml")).contains("- \"192.0.2.200/29\"");
    }

    @Test
    void hostileKubeVipInputPrintsNothingAndNamesEachProblem() {
        Run r = run("kube-vip", file("kubevip-hostile.yaml"));
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.errLines()).contains("import kube-vip: data.\"range-x\\u000ay\": \"x\\u000ay\" is neither global nor a namespace name",
                "import kube-vip: cidr-team: not a CIDR: \"not-a-cidr\"",
                "import kube-vip: cidr-global: prefix length 33 is out of range for IPv4 in \"192.0.2.0/33\"");
        assertThat(r.errLines()).allSatisfy(l -> assertThat(l).startsWith("import kube-vip: "));
    }

    @Test
    void unusableFilesExitTwoWithOneLine(@TempDir Path tmp) throws IOException {
        Path notYaml = Files.writeString(tmp.resolve("broken.yaml"), "a: [\n");
        Path noConfigMap = Files.writeString(tmp.resolve("svc.yaml"), "apiVersion: v1\nkind: Service\nmetadata: {name: x}\n");
        for (Run r : List.of(run("metallb", notYaml.toString()), run("metallb", tmp.resolve("missing.yaml").toString()),
                run("kube-vip", noConfigMap.toString()), run("kube-vip", "--configmap", "no-slash", file("kubevip.yaml")),
                run("metallb", "--kubeconfig", tmp.resolve("missing").toString(), file("metallb-l2.yaml")))) {
            assertThat(r.exit()).as(r.err()).isEqualTo(2);
            assertThat(r.errLines()).as(r.err()).hasSize(1);
            assertThat(r.out()).isEmpty();
        }
        assertThat(run("kube-vip", noConfigMap.toString()).err()).contains("no ConfigMap in it");
    }

    @Test
    void readsTheClusterWithoutFiles(@TempDir Path tmp) throws Exception {
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        server.init(InetAddress.getByName("127.0.0.1"), 0);
        try (KubernetesClient client = server.createClient()) {
            for (GenericKubernetesResource r : List.of(
                    metallb("IPAddressPool", "lab", Map.of("addresses", List.of("198.51.100.0/28"))),
                    metallb("L2Advertisement", "lab", Map.of("ipAddressPools", List.of("lab"))))) {
                client.genericKubernetesResources(MetalLbImportCommand.KINDS.stream()
                        .filter(k -> k.getKind().equals(r.getKind())).findFirst().orElseThrow()).inNamespace("metallb-system").resource(r).create();
            }
            client.configMaps().inNamespace("kube-system").resource(new ConfigMapBuilder().withNewMetadata().withName("kubevip")
                    .withNamespace("kube-system").endMetadata().addToData("cidr-global", "203.0.113.0/29").build()).create();
            Path kubeconfig = Files.writeString(tmp.resolve("kubeconfig"), """
                    apiVersion: v1
                    kind: Config
                    clusters: [{name: mock, cluster: {server: "%s"}}]
                    contexts: [{name: mock, context: {cluster: mock, user: u}}]
                    current-context: mock
                    users: [{name: u, user: {token: t}}]
                    """.formatted(client.getMasterUrl().toString()));
            Run m = run("metallb", "--kubeconfig", kubeconfig.toString());
            assertThat(m.exit()).as(m.err()).isZero();
            assertThat(m.out()).contains("name: \"lab\"", "- \"198.51.100.0-198.51.100.15\"");
            Run k = run("kube-vip", "--kubeconfig", kubeconfig.toString());
            assertThat(k.exit()).as(k.err()).isZero();
            assertThat(k.out()).contains("name: \"kubevip-global\"", "- \"203.0.113.0-203.0.113.7\"");
            Run missing = run("kube-vip", "--kubeconfig", kubeconfig.toString(), "--configmap", "kube-system/nothing");
            assertThat(missing.exit()).isEqualTo(2);
            assertThat(missing.err()).contains("no ConfigMap kube-system/nothing");
        } finally {
            server.destroy();
        }
    }

    private static GenericKubernetesResource metallb(String kind, String name, Map<String, Object> spec) {
        return new GenericKubernetesResourceBuilder().withApiVersion("metallb.io/v1beta1").withKind(kind).withNewMetadata()
                .withName(name).withNamespace("metallb-system").endMetadata().withAdditionalProperties(Map.of("spec", spec)).build();
    }

    @Test
    void helpNamesTheExitCodes() {
        for (String cmd : List.of("metallb", "kube-vip")) {
            Run r = run(cmd, "--help");
            assertThat(r.exit()).isZero();
            assertThat(r.out()).contains("3: something has no equivalent", "2: unusable input");
        }
    }
}
