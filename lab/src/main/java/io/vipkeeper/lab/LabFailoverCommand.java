package io.vipkeeper.lab;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vipkeeper.lab.lan.AddressPlan;
import io.vipkeeper.lab.lan.Failover;
import io.vipkeeper.lab.lan.FailoverStats;
import io.vipkeeper.lab.lan.LabPaths;
import io.vipkeeper.lab.lan.ProbeStream;
import io.vipkeeper.platform.KubeReads;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import io.vipkeeper.platform.Flags;
import io.vipkeeper.platform.OptionChecks;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vipkeeper lab failover}: the failover benchmark. */
@Command(name = "failover", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The failover benchmark: a probe in vk-client sends a request to the VIP of Service 'hello' every 10 ms; each round cuts "
                + "the MASTER's eth0 and measures the time from the cut to the first answer served through another node, then restores the "
                + "link and waits until one node holds the VIP steadily. Prints min / median / p95 / max. Starts the lab when it is not up."})
public final class LabFailoverCommand implements Callable<Integer>, OptionChecks {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--rounds", defaultValue = "10", converter = Rounds.class, description = "Rounds (default: ${DEFAULT-VALUE}, at most 200).")
    int rounds;

    @Option(names = "--csv", paramLabel = "FILE", description = "Write one row per round: " + Failover.CSV_HEADER)
    Path csv;

    @Option(names = "--settle-ms", defaultValue = "1000", converter = LabFlags.Millis.class, description = "After restoring the link, one node must hold the VIP this long "
            + "before the next round (default: ${DEFAULT-VALUE}; with --vrrp-instances per-vip use 7000: preempt_delay is 5 s).")
    long settleMs;

    static final class Rounds extends Flags.IntRange {
        Rounds() {
            super(1, 200, "a number of rounds");
        }
    }

    @Option(names = "--state-dir", hidden = true, defaultValue = "/run/vipkeeper-lab")
    File stateDir;

    @Override
    public void checkOptions() {
        if (csv != null) {
            Flags.writable("--csv", csv);
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int pre = LabHost.preflight(out, err, "failover", false);
        if (pre != 0) {
            return pre;
        }
        LabPaths paths = new LabPaths(stateDir.toPath());
        int up = LabUpCommand.up(out, err, paths, 3, null, "single");
        if (up != 0) {
            return up;
        }
        AddressPlan plan = paths.readPlan();
        String vip;
        try (KubernetesClient client = LabStatus.client(paths)) {
            vip = ensureHello(client, out);
        }
        out.printf("%nfailover benchmark: %d rounds against %s (Service default/hello), probe every 10 ms from %s%n", rounds, vip,
                AddressPlan.CLIENT_NS);
        out.printf("cut by hand: sudo ip -n vk-nodeN link set eth0 down   (restore: ... up)%n");
        out.flush();
        List<Failover.Round> done = new ArrayList<>();
        // bounded: at most 30 s per round plus a minute, one request per 10 ms
        int duration = rounds * 30 + 60;
        try (ProbeStream probe = new ProbeStream(vip, 80, 10, 1000, duration * 100, duration)) {
            for (int r = 1; r <= rounds; r++) {
                Failover.Round round = Failover.round(r, plan, vip, probe, 10_000, settleMs);
                done.add(round);
                out.printf("round %2d: cut %s (the cut command took %d ms), traffic through %s after %s%n", r, AddressPlan.nodeNs(round.cutNode()),
                        round.cutCommandMillis(), round.newNode() == 0 ? "-" : AddressPlan.nodeNs(round.newNode()),
                        round.millis() < 0 ? "NO ANSWER within 10 s" : round.millis() + " ms");
                out.flush();
            }
        }
        List<Long> ok = done.stream().filter(d -> d.millis() >= 0).map(Failover.Round::millis).toList();
        if (csv != null) {
            List<String> lines = new ArrayList<>(List.of(Failover.CSV_HEADER));
            done.forEach(d -> lines.add(d.csv()));
            Files.write(csv, lines);
            out.println("CSV: " + csv);
        }
        if (ok.isEmpty()) {
            out.println("no round recovered");
            return 1;
        }
        FailoverStats s = FailoverStats.of(ok);
        out.printf("%nfailover (link down -> first answer through another node): min %d ms, median %d ms, p95 %d ms, max %d ms (%d of %d rounds)%n",
                s.min(), s.median(), s.p95(), s.max(), ok.size(), done.size());
        out.printf("(measured from when 'ip link set eth0 down' returned; the command itself took %d ms at the median)%n",
                FailoverStats.of(done.stream().map(Failover.Round::cutCommandMillis).toList()).median());
        out.flush();
        return ok.size() == done.size() ? 0 : 1;
    }

    static final String HELLO_YAML = """
            apiVersion: v1
            kind: Service
            metadata:
              name: hello
              namespace: default
            spec:
              type: LoadBalancer
              selector:
                app: hello
              ports:
              - name: http
                port: 80
                targetPort: 8080
            """;

    /** Creates Service default/hello when missing and waits for its address. */
    static String ensureHello(KubernetesClient client, PrintWriter out) throws InterruptedException, IOException {
        if (client.services().inNamespace("default").withName("hello").get() == null) {
            client.services().inNamespace("default").resource(new ServiceBuilder().withNewMetadata().withName("hello").endMetadata()
                    .withNewSpec().withType("LoadBalancer").addToSelector("app", "hello").addNewPort().withName("http").withProtocol("TCP")
                    .withPort(80).withNewTargetPort(8080).endPort().endSpec().build()).create();
            out.println("created Service default/hello");
        }
        return awaitAddress(client, "hello", 30_000);
    }

    static String awaitAddress(KubernetesClient client, String name, long timeoutMs) throws InterruptedException, IOException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline) {
            Service s = client.services().inNamespace("default").withName(name).get();
            List<String> ips = s == null ? List.of() : KubeReads.ingressIps(s);
            if (!ips.isEmpty()) {
                return ips.get(0);
            }
            Thread.sleep(200);
        }
        throw new IOException("Service default/" + name + " got no EXTERNAL-IP within " + timeoutMs / 1000 + " s");
    }
}
