package io.vipkeeper.lab;

import io.vipkeeper.agent.AgentCommand;
import io.vipkeeper.controller.ControllerCommand;
import io.vipkeeper.platform.CliErrors;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the JVMs the lab starts inside namespaces (agents, backends, the probe; the controller replicas of
 * {@code lab chaos}). It lives in the lab module so
 * the lab works from any classpath: the shaded jar of {@code ./vipkeeper} and the test classpath alike (the lab must
 * not depend on cli).
 */
@Command(name = "vipkeeper-lab-child", subcommands = {AgentCommand.class, ControllerCommand.class, LabBackendCommand.class, LabProbeCommand.class,
        LabRunCommand.class, LabConnectionsCommand.class, LabUdpFlowsCommand.class})
public final class LabChildMain implements Runnable {

    public static void main(String[] args) {
        System.exit(CliErrors.install(new CommandLine(new LabChildMain())).execute(args));
    }

    @Override
    public void run() {
        throw new IllegalArgumentException("agent, backend or probe");
    }
}
