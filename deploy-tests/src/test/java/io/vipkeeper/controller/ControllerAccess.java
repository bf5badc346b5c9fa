package io.vipkeeper.controller;

import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/** deploy-tests' view of the controller command's package-private parts: the chart's args parsed as the process would. */
public final class ControllerAccess {

    private ControllerAccess() {
    }

    /** The command after picocli parsed these args (without the leading "controller"). */
    public static CommandLine parse(List<String> args, Map<String, String> env) {
        CommandLine cl = new CommandLine(new ControllerCommand(env));
        cl.parseArgs(args.toArray(String[]::new));
        return cl;
    }

    /** The settings the controller would run with (pools read, every flag checked); throws as the command would. */
    public static ControllerSettings settings(List<String> args, Map<String, String> env) {
        CommandLine cl = parse(args, env);
        return ((ControllerCommand) cl.getCommand()).settings();
    }
}
