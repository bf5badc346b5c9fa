package io.vipkeeper.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vipkeeper.agent.RenderCommand;
import io.vipkeeper.lab.Lab;
import io.vipkeeper.lab.lan.AddressPlan;
import io.vipkeeper.lab.lan.Lan;
import io.vipkeeper.lab.lan.ProbeStream;
import io.vipkeeper.platform.process.Exec;
import io.vipkeeper.platform.process.Sleep;
import io.vipkeeper.testsupport.RequiresRoot;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * docs/migration.md, rehearsed: a cluster run by keepalived-cloud-provider + kube-keepalived-vip (the old controller's
 * Services and ConfigMap, the old keepalived on every node) is switched to vipkeeper with the migration values (VRID
 * 50, VRRPv3, multicast or unicast, advert 1 s, one instance) while a client sends requests through a VIP. Step 0's
 * check (`kubectl get -o yaml` into `vipkeeper render`) shows the old agents' VIP list. No address changes;
 * each vipkeeper agent joins the running VRRP group as BACKUP; the VIPs move once, when the old master leaves; a node
 * rolled back to kube-keepalived-vip joins vipkeeper's group as BACKUP too.
 */
@RequiresRoot("a lab: docs/migration.md, the switch-over from kube-keepalived-vip")
class MigrationE2ETest {

    private static final String CONFIGMAP_NS = "kube-system";
    private static final String CONFIGMAP = "vip-configmap";
    private static final Duration JOINED_QUIETLY = Duration.ofSeconds(5); // > 3 adverts + skew: a BACKUP that missed the master takes over by then

    LabFixture f;
    final Map<Integer, KubeKeepalivedVip> old = new TreeMap<>();
    Path oldDir;

    @AfterEach
    void down() throws Exception {
        for (KubeKeepalivedVip k : old.values()) {
            try {
                k.close();
            } catch (Exception e) {
                // the lab's teardown ends whatever runs in its namespaces
            }
        }
        if (f != null) {
            f.close();
        }
        if (oldDir != null) {
            try (var files = Files.walk(oldDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** VRRP as the old DaemonSet ran it: multicast (the seeds' default) or {@code --use-unicast}. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"multicast", "unicast"})
    void switchOverNodeByNodeKeepsEveryAddressAndMovesTheVipsOnce(String vrrp) throws Exception {
        boolean unicast = vrrp.equals("unicast");
        f = new LabFixture(p -> new Lab.Options(p, LabFixture.PATHS, "single", 3,
                // --advertise-vips: the adverts list the VIPs, as kube-keepalived-vip's (docs/migration.md, step 1)
                List.of("--vrid", "50", "--vrrp-version", "3", "--advert-interval", "1", "--advertise-vips"), unicast, false), 3);
        oldDir = Files.createTempDirectory("kube-keepalived-vip");
        AddressPlan plan = f.plan();
        KubernetesClient client = f.lab.client();
        // not the pool's first addresses: had vipkeeper allocated anew, they would change
        String web = plan.address(203);
        String api = plan.address(205);
        List<String> vips = List.of(web, api);

        // ---- before: what keepalived-cloud-provider left (Services' status, the ConfigMap and its own annotation) ----
        serviceWithAddress(client, "web", web);
        serviceWithAddress(client, "api", api);
        Map<String, String> entries = Map.of(web, "default/web", api, "default/api");
        client.configMaps().inNamespace(CONFIGMAP_NS).resource(new ConfigMapBuilder().withNewMetadata().withName(CONFIGMAP)
                .addToAnnotations("k8s.co/cloud-provider-config", "{\"services\":[" + oldRecord(client, "web", web) + ","
                        + oldRecord(client, "api", api) + "]}").endMetadata().withData(entries).build()).create();
        List<String> pods = client.pods().inNamespace("default").withLabel("app", "hello").list().getItems().stream()
                .map(p -> p.getStatus().getPodIP()).sorted().toList();
        assertThat(pods).hasSize(3);
        for (int i : plan.nodeIndexes()) {
            old.put(i, KubeKeepalivedVip.start(plan, i, unicast, vips, pods, AddressPlan.BACKEND_PORT, oldDir.resolve("node" + i)));
        }
        LabFixture.awaitTrue(() -> f.lab.holders(web).size() == 1 && f.lab.holders(api).equals(f.lab.holders(web)),
                "kube-keepalived-vip elects one node for both VIPs", Duration.ofSeconds(20));

        // ---- step 0: `vipkeeper render` from `kubectl get -o yaml` has the old agents' VIP list, and nothing refused ----
        Exec.Result objects = Exec.run(List.of("kubectl", "--kubeconfig", f.lab.paths().kubeconfig().toString(), "--cache-dir",
                oldDir.resolve("kube-cache").toString(), "get", "cm,svc,endpointslices,nodes", "-A", "-o", "yaml"), Duration.ofSeconds(30));
        assertThat(objects.ok()).as(objects.message()).isTrue();
        Path cluster = Files.writeString(oldDir.resolve("cluster.yaml"), objects.stdout());
        StringWriter rendered = new StringWriter();
        StringWriter reports = new StringWriter();
        int exit = new CommandLine(new RenderCommand()).setOut(new PrintWriter(rendered)).setErr(new PrintWriter(reports)).execute(
                "--objects", cluster.toString(), "--node", AddressPlan.nodeNs(1), "--services-configmap", CONFIGMAP_NS + "/" + CONFIGMAP,
                "--advert-interval", "1", "--advertise-vips");
        assertThat(exit).as(reports.toString()).isZero();
        assertThat(reports.toString()).doesNotContain("NO_ENDPOINTS", "SERVICE_MISSING");
        assertThat(virtualIpAddresses(Files.readString(oldDir.resolve("node1/keepalived.conf")))).containsExactly(web, api);
        assertThat(virtualIpAddresses(rendered.toString())).as("VIPs vipkeeper would advertise").containsExactly(web, api);
        int oldMaster = f.lab.holders(web).get(0);
        assertThat(f.podsAnswering(web, 6)).as("pods answering through kube-keepalived-vip").hasSizeGreaterThan(1);

        try (HolderLog holders = new HolderLog(plan, vips); ProbeStream probe = new ProbeStream(web, 80, 20, 1000, 15_000, 240)) {
            // ---- step 2: the controller is swapped; it takes over the old entries and changes no address ----
            f.lab.startController();
            LabFixture.awaitTrue(() -> (web + "," + api).equals(configMap(client).getMetadata().getAnnotations().get("vipkeeper.io/owned-entries")),
                    "vipkeeper's controller owns the old controller's entries", Duration.ofSeconds(20));
            assertThat(configMap(client).getData()).as("ConfigMap entries after the controller swap").isEqualTo(entries);
            assertThat(f.awaitAddress("web")).isEqualTo(web);
            assertThat(f.awaitAddress("api")).isEqualTo(api);

            // ---- step 3: node by node, old agent out, vipkeeper agent in; the master last ----
            for (int n : plan.nodeIndexes()) {
                if (n != oldMaster) {
                    old.remove(n).close();
                    joinAsBackup(n, oldMaster, vips);
                }
            }
            long masterLeaves = ProbeStream.nowMicros();
            old.remove(oldMaster).close();
            LabFixture.awaitTrue(() -> f.lab.holders(web).size() == 1 && f.lab.holders(web).get(0) != oldMaster
                    && f.lab.holders(api).equals(f.lab.holders(web)), "a vipkeeper node takes both VIPs", Duration.ofSeconds(5));
            int newMaster = f.lab.holders(web).get(0);
            joinAsBackup(oldMaster, newMaster, vips);

            // rolling back one node ("Rolling back"): vipkeeper's agent out, the old one in; it joins as BACKUP as well
            int back = plan.nodeIndexes().stream().filter(n -> n != newMaster).findFirst().orElseThrow();
            f.lab.stopAgent(back);
            old.put(back, KubeKeepalivedVip.start(plan, back, unicast, vips, pods, AddressPlan.BACKEND_PORT, oldDir.resolve("node" + back + "-back")));
            staysWith(newMaster, vips, "kube-keepalived-vip joined again on " + AddressPlan.nodeNs(back));
            old.remove(back).close();
            joinAsBackup(back, newMaster, vips);

            // traffic through the new master (vipkeeper's nftables data plane), the Services say who announces them
            String newMasterIp = plan.nodeIp(newMaster);
            long settled = ProbeStream.nowMicros();
            assertThat(probe.await(a -> a.ok() && a.sentMicros() > settled && newMasterIp.equals(a.from()), 10_000))
                    .as("an answer through %s once every node runs vipkeeper", AddressPlan.nodeNs(newMaster)).isNotNull();
            LabFixture.awaitTrue(() -> AddressPlan.nodeNs(newMaster).equals(client.services().inNamespace("default").withName("web").get()
                    .getMetadata().getAnnotations().get("vipkeeper.io/announcing-node")), "web's announcing-node annotation", Duration.ofSeconds(10));

            // the requests: cut only by the old master's departure, for under a second and a half
            probe.close();
            List<ProbeStream.Answer> answers = probe.answers();
            Gap gap = longestGap(answers);
            System.out.printf("migration (%s): %d requests, %d failed, slowest %d ms; longest time without a completed request %d ms, from %+d ms"
                            + " after the old master's SIGTERM; no node holding a VIP: %s, two nodes: %s (ms after the SIGTERM, how long)%n",
                    vrrp, answers.size(), answers.stream().filter(a -> !a.ok()).count(),
                    answers.stream().mapToLong(a -> (a.doneMicros() - a.sentMicros()) / 1000).max().orElse(0), gap.millis(),
                    (gap.startMicros() - masterLeaves) / 1000, holders.describe(0, masterLeaves), holders.describe(2, masterLeaves));
            assertThat(gap.millis()).as("longest time without an answer through %s (%s)", web, gap).isLessThanOrEqualTo(1500);
            assertThat(holders.longest(0)).as("longest time with no node holding a VIP (ms)").isLessThanOrEqualTo(1500);
            assertThat(holders.longest(2)).as("longest time with two nodes holding one VIP (ms)").isLessThanOrEqualTo(500);
        }

        // ---- step 4: the old controller's annotation goes; vipkeeper now owns the entries: a deleted Service's goes ----
        f.editVipConfigMap(cm -> new ConfigMapBuilder(cm).editMetadata().removeFromAnnotations("k8s.co/cloud-provider-config").endMetadata().build());
        client.services().inNamespace("default").withName("api").delete();
        LabFixture.awaitTrue(() -> configMap(client).getData().equals(Map.of(web, "default/web")), "api's entry removed by vipkeeper",
                Duration.ofSeconds(20));
        LabFixture.awaitTrue(() -> f.lab.holders(api).isEmpty() && f.lab.holders(web).size() == 1, "api's VIP released, web's held",
                Duration.ofSeconds(20));
        assertThat(f.requests(web, 10)).allMatch(ProbeStream.Answer::ok);
    }

    /** The vipkeeper agent starts on node {@code n} and stays BACKUP: {@code master} keeps every VIP. */
    private void joinAsBackup(int n, int master, List<String> vips) {
        f.lab.startAgent(n);
        LabFixture.awaitTrue(() -> f.lab.keepalivedPid(n).isPresent(), "vipkeeper's keepalived runs on " + AddressPlan.nodeNs(n),
                Duration.ofSeconds(60));
        staysWith(master, vips, "vipkeeper joined on " + AddressPlan.nodeNs(n));
    }

    /** For {@link #JOINED_QUIETLY}, {@code master} and no other node holds every VIP. */
    private void staysWith(int master, List<String> vips, String after) {
        long until = System.nanoTime() + JOINED_QUIETLY.toNanos();
        while (System.nanoTime() < until) {
            for (String vip : vips) {
                assertThat(f.lab.holders(vip)).as("holders of %s after %s", vip, after).containsExactly(master);
            }
            Sleep.millis(200);
        }
    }

    private void serviceWithAddress(KubernetesClient client, String name, String ip) {
        f.createService(name, "hello");
        client.services().inNamespace("default").withName(name).editStatus(s -> new ServiceBuilder(s).withNewStatus().withNewLoadBalancer()
                .addNewIngress().withIp(ip).endIngress().endLoadBalancer().endStatus().build());
    }

    /** One record of keepalived-cloud-provider's own state annotation (seed-systems.md, section 1). */
    private static String oldRecord(KubernetesClient client, String name, String ip) {
        Service s = client.services().inNamespace("default").withName(name).get();
        return "{\"uid\":\"" + s.getMetadata().getUid() + "\",\"ip\":\"" + ip + "\",\"serviceNamespace\":\"default\",\"serviceName\":\""
                + name + "\",\"forwardMethod\":\"\"}";
    }

    /** The addresses in a keepalived.conf's virtual_ipaddress blocks (what its VRRP adverts carry). */
    static List<String> virtualIpAddresses(String keepalivedConf) {
        List<String> out = new ArrayList<>();
        boolean inBlock = false;
        for (String line : keepalivedConf.lines().map(String::strip).toList()) {
            if (line.startsWith("virtual_ipaddress")) {
                inBlock = true;
            } else if (inBlock && line.equals("}")) {
                inBlock = false;
            } else if (inBlock && !line.isEmpty()) {
                out.add(line.split("[\\s/]")[0]);
            }
        }
        return out;
    }

    private static ConfigMap configMap(KubernetesClient client) {
        return client.configMaps().inNamespace(CONFIGMAP_NS).withName(CONFIGMAP).get();
    }

    record Gap(long startMicros, long millis) {
    }

    /**
     * The longest time in which no request completed well. By completion, not by sending: a request sent while no node
     * holds the VIP is not lost (the old master routes it on once the new one answers ARP), only late.
     */
    static Gap longestGap(List<ProbeStream.Answer> answers) {
        List<Long> done = answers.stream().filter(ProbeStream.Answer::ok).map(ProbeStream.Answer::doneMicros).sorted().toList();
        Gap longest = new Gap(0, 0);
        for (int k = 1; k < done.size(); k++) {
            long ms = (done.get(k) - done.get(k - 1)) / 1000;
            if (ms > longest.millis()) {
                longest = new Gap(done.get(k - 1), ms);
            }
        }
        return longest;
    }

    /** Samples which nodes hold each VIP every 100 ms (bounded: at most 5 minutes) until closed. */
    static final class HolderLog implements AutoCloseable {
        private record Sample(long micros, int maxHolders, int minHolders) {
        }

        /** A time when some VIP had no holder ({@code holders} 0) or two or more (2), from {@code startMicros}. */
        record Run(int holders, long startMicros, long millis) {
        }

        private final List<Sample> samples = new ArrayList<>();
        private final Thread sampler;
        private volatile boolean running = true;

        HolderLog(AddressPlan plan, List<String> vips) {
            sampler = new Thread(() -> {
                long end = System.nanoTime() + Duration.ofMinutes(5).toNanos();
                while (running && System.nanoTime() < end) {
                    long at = ProbeStream.nowMicros();
                    List<List<String>> addresses = plan.nodeIndexes().stream().map(Lan::addresses).toList();
                    int max = 0;
                    int min = Integer.MAX_VALUE;
                    for (String vip : vips) {
                        int n = (int) addresses.stream().filter(a -> a.contains(vip)).count();
                        max = Math.max(max, n);
                        min = Math.min(min, n);
                    }
                    synchronized (samples) {
                        samples.add(new Sample(at, max, min));
                    }
                    Sleep.millis(100);
                }
            }, "holder-log");
            sampler.start();
        }

        /** Every run of samples where some VIP had {@code holders} holders (2: two or more), until the next sample without. */
        List<Run> runs(int holders) {
            List<Run> runs = new ArrayList<>();
            Long since = null;
            synchronized (samples) {
                for (Sample s : samples) {
                    boolean hit = holders == 0 ? s.minHolders() == 0 : s.maxHolders() >= holders;
                    if (hit && since == null) {
                        since = s.micros();
                    } else if (!hit && since != null) {
                        runs.add(new Run(holders, since, (s.micros() - since) / 1000));
                        since = null;
                    }
                }
            }
            return runs;
        }

        /** The runs as "+START ms: LENGTH ms", START from {@code originMicros}. */
        String describe(int holders, long originMicros) {
            return runs(holders).stream().map(r -> String.format("%+d ms: %d ms", (r.startMicros() - originMicros) / 1000, r.millis())).toList()
                    .toString();
        }

        long longest(int holders) {
            return runs(holders).stream().mapToLong(Run::millis).max().orElse(0);
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            sampler.join(5_000);
        }
    }
}
