package io.vipkeeper.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.vipkeeper.lab.lan.AddressPlan;
import io.vipkeeper.lab.lan.LabPaths;
import io.vipkeeper.lab.lan.Lan;
import io.vipkeeper.platform.KubeReads;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

/** What {@code lab status} (and {@code up}) prints: nodes, VIP holders, Services, pods, processes. */
final class LabStatus {

    static final String VIP_HOLDERS = "vipkeeper.io/vip-holders";
    private static final ObjectMapper JSON = new ObjectMapper();

    private LabStatus() {
    }

    static KubernetesClient client(LabPaths paths) throws IOException {
        Config config = Config.fromKubeconfig(Files.readString(paths.kubeconfig()));
        config.setRequestTimeout(3000);
        config.setConnectionTimeout(2000);
        config.setRequestRetryBackoffLimit(0);
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    /** VIP → node index holding it, from the addresses on each node's eth0 (VRRP MASTER = the holder). */
    static Map<String, List<Integer>> vipHolders(AddressPlan plan) {
        Map<String, List<Integer>> out = new TreeMap<>();
        for (int i : Lan.nodes()) {
            for (String a : Lan.addresses(i)) {
                if (!a.equals(plan.nodeIp(i))) {
                    out.computeIfAbsent(a, k -> new ArrayList<>()).add(i);
                }
            }
        }
        return out;
    }

    static void print(PrintWriter out, LabPaths paths) {
        Optional<ProcessHandle> lab = LabHost.labProcess(paths);
        AddressPlan plan = paths.readPlan();
        if (lab.isEmpty() || plan == null) {
            out.println("lab: not running" + (Lan.namespaces().isEmpty() ? "" : " (leftovers: " + Lan.namespaces()
                    + "; remove them with: sudo ./vipkeeper lab down)"));
            out.println("start it with: sudo ./vipkeeper lab up");
            out.flush();
            return;
        }
        out.printf("lab: running (pid %d), LAN %s, API %s%n", lab.get().pid(), plan.cidr(), plan.apiUrl());
        out.printf("kubeconfig: %s   (try: kubectl --kubeconfig %s get svc -A)%n", paths.kubeconfig(), paths.kubeconfig());
        out.printf("logs: %s%n%n", paths.logs());
        Map<String, List<Integer>> holders = vipHolders(plan);
        out.println("NODE       ADDRESS          LINK   VIPS HELD (MASTER)");
        for (int i : Lan.nodes()) {
            boolean up = Lan.quiet("sh", "-c", "ip -n " + AddressPlan.nodeNs(i) + " link show dev eth0 | grep -q 'state UP'");
            String vips = holders.entrySet().stream().filter(e -> e.getValue().contains(i)).map(Map.Entry::getKey).collect(Collectors.joining(" "));
            out.printf("%-10s %-16s %-6s %s%n", AddressPlan.nodeNs(i), plan.nodeIp(i), up ? "up" : "DOWN", vips.isEmpty() ? "-" : vips);
        }
        out.println();
        out.println("VIP              MASTER");
        if (holders.isEmpty()) {
            out.println("(none held)");
        }
        holders.forEach((vip, nodes) -> out.printf("%-16s %s%s%n", vip, nodes.stream().map(AddressPlan::nodeNs).collect(Collectors.joining(",")),
                nodes.size() > 1 ? "   (held twice!)" : ""));
        out.println();
        try (KubernetesClient client = client(paths)) {
            out.println("SERVICE                    TYPE           EXTERNAL-IP      PORTS");
            for (Service s : client.services().inAnyNamespace().list().getItems()) {
                List<String> ips = KubeReads.ingressIps(s);
                String ip = ips.isEmpty() ? "<pending>" : ips.get(0);
                if (!"LoadBalancer".equals(s.getSpec().getType())) {
                    ip = "<none>";
                }
                String ports = s.getSpec().getPorts().stream().map(p -> p.getPort() + "/" + p.getProtocol()).collect(Collectors.joining(","));
                out.printf("%-26s %-14s %-16s %s%n", s.getMetadata().getNamespace() + "/" + s.getMetadata().getName(), s.getSpec().getType(), ip, ports);
            }
            holders(out, client.services().inAnyNamespace().list().getItems());
            out.println();
            out.println("POD          ADDRESS          NODE       READY");
            for (Pod p : client.pods().inAnyNamespace().list().getItems()) {
                boolean ready = p.getStatus() != null && p.getStatus().getConditions() != null && p.getStatus().getConditions().stream()
                        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
                out.printf("%-12s %-16s %-10s %s%n", p.getMetadata().getName(), p.getStatus() == null ? "" : p.getStatus().getPodIP(),
                        p.getSpec().getNodeName(), ready ? "yes" : "no");
            }
        } catch (IOException | KubernetesClientException e) {
            out.println("API server: not reachable (" + e.getMessage() + ")");
        }
        out.println();
        out.println("PID      NAMESPACE        PROCESS");
        out.printf("%-8d %-16s %s%n", lab.get().pid(), "(root)", "vipkeeper lab run (API server, controller, pods and endpoints)");
        for (String ns : Lan.namespaces()) {
            for (long pid : Lan.pids(ns)) {
                out.printf("%-8d %-16s %s%n", pid, ns, describe(pid));
            }
        }
        out.flush();
    }

    /** The Services' vipkeeper.io/vip-holders annotations (written by each VIP's MASTER): one line per VIP. */
    static void holders(PrintWriter out, List<Service> services) {
        out.println();
        out.println("VIP              SERVICE                    MASTER (PRIO)      SINCE                     BACKUPS (PRIO)");
        int lines = 0;
        for (Service s : services) {
            Map<String, String> annotations = s.getMetadata().getAnnotations();
            String text = annotations == null ? null : annotations.get(VIP_HOLDERS);
            JsonNode tree;
            try {
                tree = text == null ? null : JSON.readTree(text);
            } catch (IOException e) {
                continue;
            }
            if (tree == null || !tree.isObject()) {
                continue;
            }
            for (var it = tree.fields(); it.hasNext(); ) {
                var e = it.next();
                JsonNode m = e.getValue();
                String backups = StreamSupport.stream(m.path("backups").spliterator(), false)
                        .map(b -> safe(b.path("node").asText()) + " (" + b.path("priority").asInt() + ")").collect(Collectors.joining(", "));
                out.printf("%-16s %-26s %-18s %-25s %s%n", safe(e.getKey()), s.getMetadata().getNamespace() + "/" + s.getMetadata().getName(),
                        safe(m.path("master").asText()) + " (" + m.path("priority").asInt() + ")", safe(m.path("since").asText()),
                        backups.isEmpty() ? "-" : backups);
                lines++;
            }
        }
        if (lines == 0) {
            out.println("(no vipkeeper.io/vip-holders yet)");
        }
    }

    /** Annotation text is anyone's: only name-like characters are printed. */
    private static String safe(String s) {
        return s.replaceAll("[^A-Za-z0-9._:+-]", "?");
    }

    /** A short description of a lab process from its command line. */
    static String describe(long pid) {
        try {
            String[] args = Files.readString(Path.of("/proc/" + pid + "/cmdline")).split("\0");
            String exe = Path.of(args[0]).getFileName().toString();
            if (exe.equals("java")) {
                int main = List.of(args).indexOf(LabChildMain.class.getName());
                return main < 0 || main + 1 >= args.length ? "java" : "vipkeeper " + (args[main + 1].equals("agent") ? "agent" : "lab " + args[main + 1])
                        + (args[main + 1].equals("backend") && main + 3 < args.length ? " " + args[main + 3] : "");
            }
            return exe + (exe.equals("keepalived") ? " (VRRP)" : "");
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }
}
