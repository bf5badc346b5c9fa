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
import io.vipkeeper.lab.lan.CpuSplit;
import io.vipkeeper.lab.lan.FrrRouter;
import io.vipkeeper.lab.lan.LabPaths;
import io.vipkeeper.lab.lan.Lan;
import io.vipkeeper.lab.lan.Routing;
import io.vipkeeper.platform.KubeReads;
import io.vipkeeper.platform.process.Exec;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
        out.printf("logs: %s%n", paths.logs());
        CpuSplit cpus = paths.readCpuSplit();
        if (cpus.split()) {
            out.printf("CPUs: nodes, API server and controller on %s; client and pods on %s%n", cpus.nodes().text(), cpus.workloads().text());
        }
        out.println();
        Routing routing = paths.readRouting();
        if (routing.bgp()) {
            printBgp(out, paths, plan, routing);
        } else {
            printVrrp(out, plan);
        }
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
            if (!routing.bgp()) {
                holders(out, client.services().inAnyNamespace().list().getItems());
            }
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

    /** VRRP: which node holds each VIP on its eth0 (the MASTER). */
    private static void printVrrp(PrintWriter out, AddressPlan plan) {
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
    }

    /**
     * BGP: each node's session to the router as BIRD (the node) and FRR (the router) see it, BFD, and which nodes the
     * router sends each VIP to (its kernel table: the ECMP next hops are the nodes announcing it).
     */
    private static void printBgp(PrintWriter out, LabPaths paths, AddressPlan plan, Routing routing) {
        out.printf("BGP: router %s %s (FRR, AS %d; BFD %s), client %s %s behind it; nodes AS %d%n", AddressPlan.ROUTER_NS, plan.routerIp(),
                FrrRouter.ROUTER_AS, routing.bfd() ? "100 ms x 3" : "off", AddressPlan.CLIENT2_NS, plan.client2Ip(), FrrRouter.NODE_AS);
        out.printf("try: sudo ip netns exec %s curl http://VIP/   router: sudo ip netns exec %s vtysh --vty_socket %s --config_dir %s%n%n",
                AddressPlan.CLIENT2_NS, AddressPlan.ROUTER_NS, paths.routerDir(), paths.routerDir());
        FrrRouter router = FrrRouter.of(paths);
        Map<String, FrrRouter.Session> sessions = new TreeMap<>();
        try {
            router.sessions().forEach(s -> sessions.put(s.peer(), s));
        } catch (RuntimeException e) {
            out.println("router: not answering (" + e.getMessage() + ")");
        }
        out.println("NODE       ADDRESS          LINK   BIRD (NODE'S VIEW)        ROUTER'S VIEW   BFD    ROUTES");
        for (int i : Lan.nodes()) {
            boolean up = Lan.quiet("sh", "-c", "ip -n " + AddressPlan.nodeNs(i) + " link show dev eth0 | grep -q 'state UP'");
            FrrRouter.Session s = sessions.get(plan.nodeIp(i));
            out.printf("%-10s %-16s %-6s %-25s %-15s %-6s %s%n", AddressPlan.nodeNs(i), plan.nodeIp(i), up ? "up" : "DOWN", birdView(paths, i),
                    s == null ? "-" : s.state(), s == null ? "-" : s.bfd(), s == null ? "-" : Integer.toString(s.prefixes()));
        }
        out.println();
        out.println("VIP              ANNOUNCED BY (THE ROUTER'S NEXT HOPS)");
        Map<String, List<String>> routes;
        try {
            routes = FrrRouter.routes();
        } catch (RuntimeException e) {
            routes = Map.of();
        }
        if (routes.isEmpty()) {
            out.println("(no route)");
        }
        routes.forEach((vip, hops) -> out.printf("%-16s %s%n", vip, hops.stream().map(h -> plan.nodeOf(h) > 0 ? AddressPlan.nodeNs(plan.nodeOf(h)) : h)
                .collect(Collectors.joining(","))));
        out.println();
    }

    /** The node's BGP session to the router as its BIRD reports it ({@code show protocols}: state and info). */
    static String birdView(LabPaths paths, int node) {
        Exec.Result r = Exec.run(List.of("birdc", "-s", paths.nodeRunDir(node).resolve("bird.ctl").toString(), "show", "protocols"),
                Duration.ofSeconds(3));
        if (!r.ok()) {
            return "(BIRD not answering)";
        }
        return birdSession(r.stdout());
    }

    /** The first BGP protocol row of {@code birdc show protocols} (timeformat iso long): "state info". */
    static String birdSession(String showProtocols) {
        for (String line : showProtocols.lines().toList()) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 4 && f[1].equals("BGP")) {
                String info = f.length > 6 ? String.join(" ", List.of(f).subList(6, f.length)) : "";
                return (f[3] + " " + info).strip();
            }
        }
        return "(no BGP session)";
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
