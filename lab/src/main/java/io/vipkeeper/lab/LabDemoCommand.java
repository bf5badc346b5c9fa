package io.vipkeeper.lab;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.vipkeeper.lab.lan.AddressPlan;
import io.vipkeeper.lab.lan.Failover;
import io.vipkeeper.lab.lan.LabPaths;
import io.vipkeeper.lab.lan.Lan;
import io.vipkeeper.lab.lan.ProbeStream;
import io.vipkeeper.platform.process.Exec;
import java.io.File;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vipkeeper lab demo}: {@code up}, then a narrated walkthrough; the lab keeps running afterwards. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Starts the lab (lab up), creates a LoadBalancer Service with kubectl, sends traffic from vk-client, cuts the MASTER's "
                + "link and shows how fast traffic flows again. Every step prints the command to do it by hand. The lab keeps running.")
public final class LabDemoCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--install-deps", description = "Install missing system packages (keepalived, nftables, iproute2) with apt-get.")
    boolean installDeps;

    @Option(names = "--state-dir", hidden = true, defaultValue = "/run/vipkeeper-lab")
    File stateDir;

    private PrintWriter out;
    private int stepNo;

    private void step(String what, String command) {
        out.printf("%n== %d. %s%n   $ %s%n", ++stepNo, what, command);
        out.flush();
    }

    @Override
    public Integer call() throws Exception {
        out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int pre = LabHost.preflight(out, err, "demo", installDeps);
        if (pre != 0) {
            return pre;
        }
        LabPaths paths = new LabPaths(stateDir.toPath());
        step("Start the lab: a LAN of 3 nodes, a client and 3 pods, the API server, the controller, an agent per node",
                "sudo ./vipkeeper lab up");
        int up = LabUpCommand.up(out, err, paths, 3, null, "single");
        if (up != 0) {
            return up;
        }
        AddressPlan plan = paths.readPlan();
        String kc = "kubectl --kubeconfig " + paths.kubeconfig();
        Path yaml = paths.file("hello.yaml");
        Files.writeString(yaml, LabFailoverCommand.HELLO_YAML);
        boolean kubectl = LabHost.onPath("kubectl");
        String vip;
        try (KubernetesClient client = LabStatus.client(paths)) {
            step("Create a LoadBalancer Service 'hello' (selector app=hello, port 80 -> 8080)", kc + " create -f " + yaml);
            out.print(LabFailoverCommand.HELLO_YAML.indent(6));
            if (client.services().inNamespace("default").withName("hello").get() != null) {
                out.println("   (it exists already)");
            } else if (kubectl) {
                print(Exec.run(List.of("kubectl", "--kubeconfig", paths.kubeconfig().toString(), "create", "-f", yaml.toString()), Duration.ofSeconds(30)));
            } else {
                out.println("   (kubectl is not installed: creating it through the API directly)");
            }
            step("Wait for its EXTERNAL-IP (the controller picks it from the pool " + plan.pool() + ")", kc + " get svc hello");
            vip = LabFailoverCommand.ensureHello(client, out);
            if (kubectl) {
                print(Exec.run(List.of("kubectl", "--kubeconfig", paths.kubeconfig().toString(), "get", "svc", "hello"), Duration.ofSeconds(30)));
            } else {
                out.println("   EXTERNAL-IP " + vip);
            }
        }
        int master = Failover.awaitSingleHolder(plan, vip, 300, 20_000);
        step("Send requests from the client namespace to the VIP (each pod answers with its name and the node that forwarded it)",
                "sudo ip netns exec vk-client curl -s http://" + vip + "/");
        Map<String, Integer> byPod = new TreeMap<>();
        try (ProbeStream probe = new ProbeStream(vip, 80, 100, 1000, 12, 10)) {
            probe.awaitEnd(15_000);
            for (ProbeStream.Answer a : probe.answers()) {
                out.println("   " + (a.ok() ? a.pod() + " (through " + nodeName(plan, a.from()) + ")" : "error: " + a.from()));
                if (a.ok()) {
                    byPod.merge(a.pod(), 1, Integer::sum);
                }
            }
        }
        out.println("   answered: " + byPod);
        step("Which node is MASTER: the VIP is on its eth0", "for n in " + String.join(" ", plan.nodeIndexes().stream().map(String::valueOf).toList())
                + "; do sudo ip -n vk-node$n -br addr show dev eth0; done");
        for (int i : plan.nodeIndexes()) {
            out.printf("   %-9s %s%s%n", AddressPlan.nodeNs(i), String.join(" ", Lan.addresses(i)), i == master ? "   <- MASTER" : "");
        }
        step("Cut the MASTER's link (a pulled cable) while the client sends a request every 10 ms",
                "sudo ip -n " + AddressPlan.nodeNs(master) + " link set eth0 down");
        Failover.Round round;
        try (ProbeStream probe = new ProbeStream(vip, 80, 10, 1000, 6000, 60)) {
            round = Failover.round(1, plan, vip, probe, 10_000);
        }
        if (round.millis() < 0) {
            out.println("   no answer through another node within 10 s");
        } else {
            out.printf("   traffic flowed again after %d ms (first answer through %s); once settled, %s holds %s%n", round.millis(),
                    AddressPlan.nodeNs(round.newNode()), String.join(",", Failover.holders(plan, vip).stream().map(AddressPlan::nodeNs).toList()), vip);
        }
        step("Restore the link (the node comes back as BACKUP: nopreempt, no second flap)",
                "sudo ip -n " + AddressPlan.nodeNs(master) + " link set eth0 up");
        out.println("   done (the benchmark does the cut and the restore in one round: sudo ./vipkeeper lab failover --rounds 20)");
        out.printf("%n== The lab keeps running.%n   status:   sudo ./vipkeeper lab status%n   kubectl:  sudo %s get svc -A%n"
                + "   traffic:  sudo ip netns exec vk-client curl -s http://%s/%n   failover: sudo ./vipkeeper lab failover --rounds 20%n"
                + "   take it down: sudo ./vipkeeper lab down%n", kc, vip);
        if (round.millis() >= 0) {
            out.printf("%nfailover time: %d ms%n", round.millis());
        }
        out.flush();
        return round.millis() >= 0 ? 0 : 1;
    }

    private static String nodeName(AddressPlan plan, String ip) {
        int n = plan.nodeOf(ip);
        return n == 0 ? ip : AddressPlan.nodeNs(n);
    }

    private void print(Exec.Result r) {
        (r.stdout() + r.stderr()).lines().forEach(l -> out.println("   " + l));
    }
}
