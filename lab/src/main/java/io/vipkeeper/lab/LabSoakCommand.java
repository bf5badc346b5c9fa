package io.vipkeeper.lab;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.lab.lan.AddressPlan;
import io.vipkeeper.lab.lan.Failover;
import io.vipkeeper.lab.lan.LabPaths;
import io.vipkeeper.lab.lan.Soak;
import io.vipkeeper.platform.Flags;
import io.vipkeeper.platform.OptionChecks;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vipkeeper lab soak}: the false-alarm soak (nothing cut; both cores optionally saturated). */
@Command(name = "soak", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The false-alarm soak: cuts nothing, optionally saturates every core with stress-ng, and counts every VRRP transition "
                + "(keepalived's state lines in the agents' logs) and every sample where two nodes or no node hold the VIP of Service 'hello'. "
                + "Also the CPU of each keepalived VRRP process and whether it ran real-time. Runs against the lab as 'lab up' started it "
                + "(e.g. with --failover-profile fast); starts a default lab when none runs. Exit 0 when nothing moved."})
public final class LabSoakCommand implements Callable<Integer>, OptionChecks {

    /** How long one node must hold the VIP alone before the soak starts, and how long to wait for that. */
    private static final Duration STEADY = Duration.ofSeconds(5);
    private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(120);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--minutes", defaultValue = "10", converter = Minutes.class, description = "How long (default: ${DEFAULT-VALUE}, at most 120).")
    int minutes;

    @Option(names = "--stress", arity = "0..1", fallbackValue = "cpu", paramLabel = "cpu|rt", converter = StressMode.class,
            description = {"Saturate every core with stress-ng (bounded by its --timeout) during the soak. cpu (--stress alone): a worker "
                    + "per core at normal priority. rt: a worker per core real-time (SCHED_FIFO 10, below keepalived's VRRP process "
                    + "at SCHED_RR 20): the kernel's RT throttling leaves normal processes 5%% of each core, so this shows what real-time "
                    + "VRRP is for; the holder sampler then runs SCHED_FIFO 15. Refused where the kernel does not throttle real-time processes."})
    Soak.Stress stress = Soak.Stress.NONE;

    @Option(names = "--sample-ms", defaultValue = "100", converter = SampleMillis.class,
            description = "Sample the holders of the VIP (ip addr in every node's namespace), then pause this long (default: ${DEFAULT-VALUE}).")
    long sampleMs;

    @Option(names = "--csv", paramLabel = "FILE", description = "Append one row (a header first when new): advert_int," + Soak.CSV_HEADER)
    Path csv;

    @Option(names = "--state-dir", hidden = true, defaultValue = "/run/vipkeeper-lab")
    File stateDir;

    static final class Minutes extends Flags.IntRange {
        Minutes() {
            super(1, 120, "minutes");
        }
    }

    /** {@code --stress}: cpu or rt. */
    static final class StressMode implements CommandLine.ITypeConverter<Soak.Stress> {
        @Override
        public Soak.Stress convert(String value) {
            return switch (value) {
                case "cpu" -> Soak.Stress.CPU;
                case "rt" -> Soak.Stress.REALTIME;
                default -> throw new CommandLine.TypeConversionException("cpu or rt, not " + InvalidInputException.quote(value));
            };
        }
    }

    static final class SampleMillis extends Flags.IntRange {
        SampleMillis() {
            super(20, 10_000, "milliseconds");
        }
    }

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
        int pre = LabHost.preflight(out, err, "soak", false);
        if (pre != 0) {
            return pre;
        }
        if (stress != Soak.Stress.NONE && !Files.isExecutable(Path.of("/usr/bin/stress-ng"))) {
            err.println("vipkeeper lab soak: --stress needs stress-ng (apt-get install stress-ng)");
            return 1;
        }
        if (stress == Soak.Stress.REALTIME) {
            Optional<String> refused = Soak.realtimeStressRefused();
            if (refused.isPresent()) {
                err.println("vipkeeper lab soak: --stress rt refused: " + refused.get());
                return 1;
            }
        }
        LabPaths paths = new LabPaths(stateDir.toPath());
        int up = LabUpCommand.up(out, err, paths, 3, null, "single");
        if (up != 0) {
            return up;
        }
        AddressPlan plan = paths.readPlan();
        String vip;
        try (KubernetesClient client = LabStatus.client(paths)) {
            vip = LabFailoverCommand.ensureHello(client, out);
        }
        // a lab just started (or a Service just created) moves its VIP while the agents settle: not a false alarm
        if (Failover.awaitSingleHolder(plan, vip, STEADY.toMillis(), SETTLE_TIMEOUT.toMillis()) == 0) {
            err.printf("vipkeeper lab soak: no single node held %s for %d s in a row within %d s; see 'vipkeeper lab status'%n", vip,
                    STEADY.toSeconds(), SETTLE_TIMEOUT.toSeconds());
            return 1;
        }
        String advert = advertInterval(paths, plan);
        out.printf("%nsoak: %d min against %s (Service default/hello), advert_int %s s, %s, holders sampled every %d ms%n", minutes, vip, advert,
                switch (stress) {
                    case NONE -> "no load added";
                    case CPU -> "every core saturated by stress-ng";
                    case REALTIME -> "every core saturated by real-time stress-ng (SCHED_FIFO 10; normal processes keep ~5 %)";
                }, sampleMs);
        out.flush();
        Soak.Result r = Soak.run(plan, paths, vip, Duration.ofMinutes(minutes), sampleMs, stress);
        r.transitions().forEach(t -> out.println("transition: " + t));
        out.printf("soak %d s: %d samples, %d with two or more holders, %d with no holder, %d VRRP transitions; keepalived VRRP CPU per node "
                        + "(%% of a core): %s; real-time on %d of %d nodes%s%n", r.seconds(), r.samples(), r.twoOrMoreHolders(), r.noHolder(),
                r.transitions().size(), r.vrrpCpuPercent().values().stream().map(c -> String.format("%.2f", c)).toList(), r.realtimeNodes(),
                r.vrrpCpuPercent().size(), r.failedSamples() > 0 ? "; " + r.failedSamples() + " samples not read (a node's ip command failed)" : "");
        if (csv != null) {
            if (!Files.exists(csv)) {
                Files.writeString(csv, "advert_int," + Soak.CSV_HEADER + "\n");
            }
            Files.writeString(csv, advert + "," + r.csv(stress.label()) + "\n", StandardOpenOption.APPEND);
            out.println("CSV: " + csv);
        }
        out.flush();
        return r.quiet() ? 0 : 1;
    }

    /** The advert_int node 1's keepalived runs with ("?" when not found). */
    static String advertInterval(LabPaths paths, AddressPlan plan) {
        try {
            List<String> lines = Files.readAllLines(paths.nodeRunDir(plan.nodeIndexes().get(0)).resolve("keepalived.conf"));
            return lines.stream().map(String::strip).filter(l -> l.startsWith("advert_int ")).map(l -> l.substring(11)).findFirst().orElse("?");
        } catch (IOException e) {
            return "?";
        }
    }
}
