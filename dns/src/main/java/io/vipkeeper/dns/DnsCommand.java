package io.vipkeeper.dns;

import io.vipkeeper.platform.CliErrors;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code vipkeeper dns ...}: federation DNS. */
@Command(name = "dns", mixinStandardHelpOptions = true,
        description = "Federation DNS: publish LoadBalancer Services of several clusters to etcd (CoreDNS layout), serve them.",
        subcommands = {DnsPublishCommand.class, DnsServeCommand.class})
public final class DnsCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing dns command (publish or serve)");
    }

    /** Runs {@code dns ...} alone (tests start a publisher as its own process with this). */
    public static void main(String[] args) {
        System.exit(CliErrors.install(new CommandLine(new DnsCommand())).execute(args));
    }
}
