package io.vipkeeper.lab;

import io.vipkeeper.lab.lan.AddressPlan;
import io.vipkeeper.lab.lan.CpuList;
import io.vipkeeper.lab.lan.CpuSplit;
import io.vipkeeper.lab.lan.LabPaths;
import io.vipkeeper.lab.lan.Routing;
import io.vipkeeper.platform.LoggingOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code lab run}: holds a lab in the foreground until SIGTERM (what {@code lab up} starts in the background). */
@Command(name = "run", hidden = true, mixinStandardHelpOptions = true, description = "Runs the lab in the foreground until SIGTERM (lab up starts this in the background).")
public final class LabRunCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(LabRunCommand.class);

    @Option(names = "--prefix", required = true, converter = LabFlags.Subnet.class)
    String prefix;

    @Option(names = "--nodes", defaultValue = "3", converter = LabFlags.Nodes.class)
    int nodes;

    @Option(names = "--vrrp-instances", defaultValue = "single", converter = LabFlags.VrrpInstances.class)
    String vrrpInstances;

    @Option(names = "--failover-profile", defaultValue = "default", converter = LabFlags.FailoverProfile.class)
    String failoverProfile;

    @Option(names = "--no-vrrp-realtime")
    boolean noRealtime;

    @Option(names = "--state-dir", defaultValue = "/run/vipkeeper-lab")
    Path stateDir;

    @Option(names = "--conntrack-sync", description = "The agents sync their conntrack tables (off by default in the lab).")
    boolean conntrackSync;

    @Option(names = "--routing", defaultValue = "vrrp", converter = LabFlags.RoutingFlag.class,
            description = "vrrp, or bgp / bgp-no-bfd: a router (FRR) in vk-router and a second client behind it.")
    Routing routing;

    @Option(names = "--node-cpus", converter = LabFlags.Cpus.class, description = "The nodes' CPUs (lab up checked them); needs --workload-cpus.")
    CpuList nodeCpus;

    @Option(names = "--workload-cpus", converter = LabFlags.Cpus.class, description = "The pods' (and the client's) CPUs.")
    CpuList workloadCpus;

    @Mixin
    LoggingOptions logging = new LoggingOptions();

    @Override
    public Integer call() throws Exception {
        logging.apply();
        LabPaths paths = new LabPaths(stateDir);
        Files.createDirectories(stateDir);
        Files.writeString(paths.pidFile(), ProcessHandle.current().pid() + "\n");
        Lab lab = new Lab(new Lab.Options(new AddressPlan(prefix, nodes), paths, vrrpInstances, 3,
                LabFlags.agentArgs(failoverProfile, noRealtime, conntrackSync), true, true, routing,
                nodeCpus == null || workloadCpus == null ? CpuSplit.NONE : new CpuSplit(nodeCpus, workloadCpus)));
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.countDown();
            try {
                stopped.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "lab-shutdown"));
        try {
            lab.start();
            LOG.info("lab running: {} nodes on {}", nodes, lab.plan().cidr());
            stop.await();
            LOG.info("stopping the lab");
        } finally {
            lab.close();
            Files.deleteIfExists(paths.pidFile());
            stopped.countDown();
        }
        return 0;
    }
}
