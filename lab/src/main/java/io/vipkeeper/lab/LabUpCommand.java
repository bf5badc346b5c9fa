package io.vipkeeper.lab;

import io.vipkeeper.lab.lan.AddressPlan;
import io.vipkeeper.lab.lan.ChildJvm;
import io.vipkeeper.lab.lan.CpuList;
import io.vipkeeper.lab.lan.CpuSplit;
import io.vipkeeper.lab.lan.FrrRouter;
import io.vipkeeper.lab.lan.LabPaths;
import io.vipkeeper.lab.lan.Lan;
import io.vipkeeper.lab.lan.Routing;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vipkeeper lab up}: builds the virtual LAN and starts everything in the background. */
@Command(name = "up", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Builds a virtual bare-metal LAN on this machine (network namespaces vk-lan, vk-node1..N, vk-client, vk-pod-*; "
                + "the link vk-host) and starts the in-memory API server, the controller, one agent with its own keepalived per node "
                + "and three demo pods, in the background. Idempotent: when the lab runs, prints its status. Needs root.",
                "With --announce bgp the nodes announce their VIPs by BGP (BIRD) to a router, vk-router (FRR: zebra, bfdd, bgpd; "
                        + "ECMP), with a second client, vk-client2, on another documentation /24 behind it."})
public final class LabUpCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--nodes", defaultValue = "3", converter = LabFlags.Nodes.class, description = "Number of nodes (default: ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--subnet", paramLabel = "PREFIX", converter = LabFlags.Subnet.class, description = "The /24 to use, e.g. 192.0.2 (default: the first documentation "
            + "/24 of 192.0.2, 198.51.100, 203.0.113 that this machine does not use already).")
    String subnet;

    @Option(names = "--vrrp-instances", defaultValue = "single", paramLabel = "single|per-vip", converter = LabFlags.VrrpInstances.class, description = "Passed to every agent.")
    String vrrpInstances;

    @Option(names = "--failover-profile", defaultValue = "default", paramLabel = "default|fast", converter = LabFlags.FailoverProfile.class,
            description = "Passed to every agent: fast = adverts every 0.03 s (default: ${DEFAULT-VALUE}).")
    String failoverProfile;

    @Option(names = "--no-vrrp-realtime", description = "Every agent runs keepalived's VRRP process without real-time scheduling (for comparison).")
    boolean noRealtime;

    @Option(names = "--conntrack-sync", description = "The agents sync their conntrack tables (conntrackd), so established "
            + "connections survive a failover; backends then see the VIP as the client (off by default in the lab).")
    boolean conntrackSync;

    @Option(names = "--announce", defaultValue = "vrrp", paramLabel = "vrrp|bgp", converter = LabFlags.Announce.class,
            description = "How the nodes announce their VIPs: VRRP on the LAN (default), or BGP to the lab's router vk-router "
                    + "(FRR, AS 65000; nodes AS 65100, BFD 100 ms x 3), reached from vk-client2 behind it.")
    String announce;

    @Option(names = "--no-bfd", description = "With --announce bgp: no BFD, the BGP hold time (3 s) alone detects a dead node (for comparison).")
    boolean noBfd;

    @Option(names = "--node-cpus", paramLabel = "LIST", converter = LabFlags.Cpus.class,
            description = "Run the nodes (agents, keepalived, conntrackd, BIRD) and the lab's API server and controller on these CPUs "
                    + "(e.g. 1, or 2-3), the client and the pods on the others, as if they were machines of their own: on one "
                    + "machine a node's work otherwise delays the client's and the backends' packets (default: all share every CPU).")
    CpuList nodeCpus;

    @Option(names = "--install-deps", description = "Install missing system packages (keepalived, nftables, iproute2) with apt-get.")
    boolean installDeps;

    @Option(names = "--state-dir", hidden = true, defaultValue = "/run/vipkeeper-lab")
    File stateDir;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Routing routing = LabFlags.routing(announce, noBfd);
        if (noBfd && routing == Routing.VRRP) {
            err.println("vipkeeper lab up: --no-bfd needs --announce bgp (VRRP uses no BFD)");
            return 2;
        }
        CpuSplit cpus = CpuSplit.NONE;
        if (nodeCpus != null) {
            try {
                cpus = CpuSplit.of(nodeCpus, CpuList.online());
            } catch (IllegalArgumentException e) {
                err.println("vipkeeper lab up: " + e.getMessage());
                return 2;
            } catch (IOException e) {
                err.println("vipkeeper lab up: --node-cpus: cannot read this machine's CPUs: " + e.getMessage());
                return 1;
            }
        }
        int pre = LabHost.preflight(out, err, "up", installDeps, routing);
        if (pre != 0) {
            return pre;
        }
        return up(out, err, new LabPaths(stateDir.toPath()), nodes, subnet, vrrpInstances, failoverProfile, noRealtime, conntrackSync, routing, cpus);
    }

    /**
     * Starts the lab unless it runs; returns an exit code. The calling process then runs on the lab's client CPUs
     * ({@link LabHost#onClientCpus}): the commands that call this go on to start the clients.
     */
    static int up(PrintWriter out, PrintWriter err, LabPaths paths, int nodes, String subnet, String vrrpInstances) {
        return up(out, err, paths, nodes, subnet, vrrpInstances, "default", false, false);
    }

    /**
     * As above, with the failover profile, real-time VRRP off when {@code noRealtime}, and conntrack sync (conntrackd;
     * the lab's default is off) for every agent.
     */
    static int up(PrintWriter out, PrintWriter err, LabPaths paths, int nodes, String subnet, String vrrpInstances,
                  String failoverProfile, boolean noRealtime, boolean conntrackSync) {
        return up(out, err, paths, nodes, subnet, vrrpInstances, failoverProfile, noRealtime, conntrackSync, Routing.VRRP, CpuSplit.NONE);
    }

    /**
     * As above, with the nodes announcing by {@code routing} (BGP: the router and the second client too) and on their
     * own CPUs when {@code cpus} is split (the lab process on the nodes' CPUs: the agents it starts inherit them).
     */
    static int up(PrintWriter out, PrintWriter err, LabPaths paths, int nodes, String subnet, String vrrpInstances,
                  String failoverProfile, boolean noRealtime, boolean conntrackSync, Routing routing, CpuSplit cpus) {
        if (LabHost.labProcess(paths).isPresent() && paths.readPlan() != null) {
            out.println("the lab already runs:");
            out.println();
            LabStatus.print(out, paths);
            LabHost.onClientCpus(paths, err);
            return 0;
        }
        // a crashed lab leaves namespaces and processes: clear them before choosing the subnet and starting again
        List<String> removed = Lan.destroyAll();
        if (!removed.isEmpty()) {
            out.println("removed leftovers of an earlier lab: " + String.join(", ", removed));
        }
        String prefix;
        try {
            prefix = subnet != null ? new AddressPlan(subnet, nodes).prefix() : Lan.choosePrefix();
        } catch (IllegalArgumentException | IllegalStateException e) {
            err.println("vipkeeper lab up: " + e.getMessage());
            return 2;
        }
        if (!prefix.equals(AddressPlan.DEFAULT_PREFIX) && subnet == null) {
            out.println("note: this machine already uses " + AddressPlan.DEFAULT_PREFIX + ".0/24 (its own interface or routes), so the lab uses "
                    + prefix + ".0/24, another documentation range, with the same host numbers");
        }
        try {
            paths.deleteAll();
            Files.createDirectories(paths.logs());
            List<String> cmd = new ArrayList<>(List.of("setsid"));
            List<String> runArgs = new ArrayList<>(List.of("--prefix", prefix, "--nodes", Integer.toString(nodes), "--vrrp-instances",
                    vrrpInstances, "--failover-profile", failoverProfile, "--state-dir", paths.root().toString()));
            if (noRealtime) {
                runArgs.add("--no-vrrp-realtime");
            }
            if (conntrackSync) {
                runArgs.add("--conntrack-sync");
            }
            if (routing.bgp()) {
                runArgs.addAll(List.of("--routing", routing.text()));
            }
            if (cpus.split()) {
                runArgs.addAll(List.of("--node-cpus", cpus.nodes().text(), "--workload-cpus", cpus.workloads().text()));
            }
            List<String> child = ChildJvm.command("x", cpus.nodes(), null, List.of(), "256m", "run", runArgs);
            cmd.addAll(child.subList(4, child.size())); // without "ip netns exec x": the lab process runs in the root namespace
            File log = paths.log("lab").toFile();
            Process p = new ProcessBuilder(cmd).redirectInput(new File("/dev/null")).redirectOutput(ProcessBuilder.Redirect.appendTo(log))
                    .redirectErrorStream(true).start();
            out.printf("starting the lab (%d nodes on %s.0/24; log: %s) ...%n", nodes, prefix, log);
            out.flush();
            long deadline = System.currentTimeMillis() + 180_000;
            while (paths.readPlan() == null) {
                if (!p.isAlive() || System.currentTimeMillis() > deadline) {
                    err.println("vipkeeper lab up: the lab did not start" + (p.isAlive() ? " within 180 s" : "") + "; last lines of " + log + ":");
                    List<String> lines = Files.readAllLines(log.toPath());
                    lines.subList(Math.max(0, lines.size() - 30), lines.size()).forEach(err::println);
                    p.destroy();
                    Lan.destroyAll();
                    return 1;
                }
                Thread.sleep(200);
            }
            // agents need a moment for their first sync; wait until every node's keepalived runs (BGP: its BIRD, and the
            // router's session to every node)
            AddressPlan plan = paths.readPlan();
            String daemonConf = routing.bgp() ? "bird.conf" : "keepalived.conf";
            while (System.currentTimeMillis() < deadline && !plan.nodeIndexes().stream()
                    .allMatch(i -> Files.exists(paths.nodeRunDir(i).resolve(daemonConf)))) {
                Thread.sleep(200);
            }
            if (routing.bgp()) {
                FrrRouter router = FrrRouter.of(paths);
                while (System.currentTimeMillis() < deadline && !allEstablished(router, plan)) {
                    Thread.sleep(200);
                }
            }
        } catch (IOException e) {
            err.println("vipkeeper lab up: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
        out.println("the lab runs.");
        out.println();
        LabStatus.print(out, paths);
        out.println();
        out.println("take it down with: sudo ./vipkeeper lab down");
        out.flush();
        LabHost.onClientCpus(paths, err);
        return 0;
    }

    /** Whether the router has an Established session with every node of the plan. */
    static boolean allEstablished(FrrRouter router, AddressPlan plan) {
        try {
            return router.sessions().stream().filter(FrrRouter.Session::established).count() == plan.nodes();
        } catch (RuntimeException e) {
            return false; // vtysh not answering yet
        }
    }
}
