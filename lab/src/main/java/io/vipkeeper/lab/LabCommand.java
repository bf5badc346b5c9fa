package io.vipkeeper.lab;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code vipkeeper lab ...}: try vipkeeper without a cluster. */
@Command(name = "lab", mixinStandardHelpOptions = true,
        description = "A lab on this machine for trying vipkeeper without a cluster.",
        subcommands = {LabUpCommand.class, LabDownCommand.class, LabStatusCommand.class, LabDemoCommand.class,
            LabFailoverCommand.class, LabBgpBenchCommand.class, LabChaosCommand.class, LabSoakCommand.class, LabApiCommand.class, LoadServicesCommand.class,
            SeedClustersCommand.class, LabRunCommand.class, LabBackendCommand.class, LabProbeCommand.class})
public final class LabCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing lab command");
    }
}
