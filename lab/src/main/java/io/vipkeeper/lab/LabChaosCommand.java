package io.vipkeeper.lab;

import io.vipkeeper.lab.lan.LabPaths;
import io.vipkeeper.platform.Flags;
import io.vipkeeper.platform.LoggingOptions;
import io.vipkeeper.platform.OptionChecks;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vipkeeper lab chaos}: random faults under traffic, invariants sampled throughout. */
@Command(name = "chaos", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The chaos test. Builds a lab of its own in the foreground (3 nodes, an agent per node, TWO controller replicas "
                + "with leader election in vk-node1 and vk-node2, the API server in this process) and removes it at the end; it refuses "
                + "to run while the lab of 'lab up' runs (both use the same namespaces: take that one down first). Traffic from vk-client "
                + "through two VIPs every 20 ms while, at random times (seeded), it kills the leading controller replica (SIGKILL or "
                + "SIGTERM), kills an agent with its keepalived (SIGKILL, as a container kill does), SIGKILLs a keepalived alone, stops the API server for 2-6 s (it comes back with the "
                + "same objects), pulls a node's cable for 1-4 s (its link loses carrier); the lab restarts what was killed, and Services are created and "
                + "deleted between faults.",
            "Checked twice a second: every Service has an address, no address is held by two Services (unless they share a key), "
                + "the VIP ConfigMap matches the Services and has no ghost entries, at most one replica leads (and one does), exactly "
                + "one node holds each VIP once the lab has settled after a fault; traffic flows again within 5 s of each fault's end "
                + "and no request fails outside a fault's window; after the last fault and a 20 s settle, all of it at once; nothing "
                + "is left behind. Prints a line per fault and per violation, then a summary. Exit 0 when every invariant held, 1 when "
                + "one broke (or the lab could not be built). Needs root.",
            "With --conntrack-sync the agents sync their conntrack tables, an agent is killed with its conntrackd, and conntrackd "
                + "alone is killed too; with --connections N, N long-lived TCP connections through Service 'echo' run throughout, "
                + "and every one must be alive at the end and stall no longer than a request may take (1 s) outside the faults' "
                + "windows."})
public final class LabChaosCommand implements Callable<Integer>, OptionChecks {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--minutes", defaultValue = "10", converter = Minutes.class, description = "How long to inject faults (default: ${DEFAULT-VALUE}, 1 to 50).")
    int minutes;

    @Option(names = "--seed", converter = Seed.class, description = "Seed of the random faults, gaps and durations (default: the time).")
    Long seed;

    @Option(names = "--csv", paramLabel = "FILE", description = "Write one row per fault: " + ChaosFault.CSV_HEADER)
    Path csv;

    @Option(names = "--conntrack-sync", description = "The agents sync their conntrack tables (conntrackd), which the faults then "
            + "include: an agent killed with its conntrackd, and conntrackd killed alone (default: off, as in 'lab up').")
    boolean conntrackSync;

    @Option(names = "--connections", defaultValue = "0", converter = LabFailoverCommand.Connections.class, paramLabel = "N",
            description = "Also keep N long-lived TCP connections through the VIP of Service 'echo' (a line every 20 ms each, echo "
                    + "checked): each must survive every fault; turns --conntrack-sync on (default: ${DEFAULT-VALUE}: none).")
    int connections;

    @Option(names = "--vrrp-instances", defaultValue = "single", paramLabel = "single|per-vip", converter = LabFlags.VrrpInstances.class,
            description = "Passed to every agent, as in 'lab up': per-vip spreads the VIPs' holders over the nodes (default: ${DEFAULT-VALUE}).")
    String vrrpInstances;

    @Option(names = "--state-dir", hidden = true, defaultValue = "/run/vipkeeper-lab-chaos")
    File stateDir;

    static final class Minutes extends Flags.IntRange {
        Minutes() {
            super(1, 50, "minutes");
        }
    }

    static final class Seed extends Flags.LongRange {
        Seed() {
            super(Long.MIN_VALUE, Long.MAX_VALUE, "a seed (a whole number)");
        }
    }

    @Override
    public void checkOptions() {
        if (csv != null) {
            Flags.writable("--csv", csv);
        }
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int pre = LabHost.preflight(out, err, "chaos", false);
        if (pre != 0) {
            return pre;
        }
        if (LabHost.labProcess(new LabPaths(LabPaths.DEFAULT)).isPresent()) {
            err.println("vipkeeper lab chaos: the lab of 'lab up' runs, and the chaos test builds its own on the same namespaces: "
                    + "take it down first (sudo ./vipkeeper lab down)");
            return 1;
        }
        // the run's own lines are the output; of the lab's log (supervisors restarting what was killed) only warnings
        LoggingOptions.configure(LoggingOptions.Format.text, "warn");
        long s = seed != null ? seed : System.currentTimeMillis();
        Chaos.Settings settings = Chaos.Settings.of(Duration.ofMinutes(minutes), s);
        if (conntrackSync || connections > 0) {
            settings = settings.withSync(connections);
        }
        settings = settings.withVrrpInstances(vrrpInstances);
        Chaos chaos = new Chaos(new LabPaths(stateDir.toPath()), settings, out);
        CountDownLatch done = new CountDownLatch(1);
        // Ctrl-C: no more faults, the lab is taken down before the JVM exits
        Thread hook = new Thread(() -> {
            chaos.stop();
            try {
                done.await(90, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "chaos-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        ChaosReport report;
        try {
            report = chaos.run();
        } catch (IOException | RuntimeException e) {
            err.println("vipkeeper lab chaos: the run did not get going: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        } finally {
            done.countDown();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // shutting down already
        }
        report.print(out);
        if (csv != null) {
            Files.write(csv, report.csv());
            out.println("CSV: " + csv);
        }
        out.println("rerun the same faults with: sudo ./vipkeeper lab chaos --minutes " + minutes + " --seed " + s
                + (connections > 0 ? " --connections " + connections : conntrackSync ? " --conntrack-sync" : "")
                + (vrrpInstances.equals("single") ? "" : " --vrrp-instances " + vrrpInstances));
        out.flush();
        return report.passed() ? 0 : 1;
    }
}
