package io.vipkeeper.cli;

import io.vipkeeper.agent.AgentCommand;
import io.vipkeeper.agent.RenderCommand;
import io.vipkeeper.controller.ControllerCommand;
import io.vipkeeper.controller.migrate.ImportCommand;
import io.vipkeeper.dns.DnsCommand;
import io.vipkeeper.lab.LabCommand;
import io.vipkeeper.platform.CliErrors;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/** {@code vipkeeper <command>}: every component in one executable jar. */
@Command(name = "vipkeeper", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "LoadBalancer Services for on-premises Kubernetes: address pools, keepalived VIPs, federation DNS.",
        subcommands = {
            ControllerCommand.class,
            AgentCommand.class,
            LabCommand.class,
            RenderCommand.class,
            DnsCommand.class,
            ImportCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command tree with vipkeeper's error handling: a bad input exits 2 with one line (see {@link CliErrors}). */
    public static CommandLine commandLine() {
        return CliErrors.install(new CommandLine(new Main()));
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"vipkeeper " + (v == null ? "dev" : v)};
        }
    }
}
