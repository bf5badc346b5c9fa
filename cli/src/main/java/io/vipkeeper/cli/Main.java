package io.vipkeeper.cli;

import io.vipkeeper.platform.CliErrors;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code vipkeeper <command>}: every component in one executable jar. */
@Command(name = "vipkeeper", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "LoadBalancer Services for on-premises Kubernetes: address pools, keepalived VIPs, federation DNS.",
        subcommands = {
            io.vipkeeper.controller.ControllerCommand.class,
            io.vipkeeper.agent.AgentCommand.class,
            io.vipkeeper.lab.LabCommand.class,
            io.vipkeeper.agent.RenderCommand.class,
            io.vipkeeper.dns.DnsCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        CommandLine cmd = new CommandLine(new Main());
        cmd.setParameterExceptionHandler(new CliErrors());
        cmd.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (ex instanceof CommandLine.ParameterException pe) {
                return new CliErrors().handleParseException(pe, parseResult.originalArgs().toArray(String[]::new));
            }
            if (ex instanceof io.vipkeeper.platform.StartupException se) {
                commandLine.getErr().println(commandLine.getCommandSpec().qualifiedName() + ": " + se.getMessage());
                return 1;
            }
            throw ex;
        });
        return cmd;
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
