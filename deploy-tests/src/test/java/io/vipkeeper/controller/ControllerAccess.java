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

    /** The option's default as the code declares it (picocli's CommandSpec). */
    public static String optionDefault(String option) {
        return new CommandLine(new ControllerCommand(Map.of())).getCommandSpec().findOption(option).defaultValue();
    }

    /** The value the parsed command would use for an option (its default when not given). */
    public static Object optionValue(List<String> args, Map<String, String> env, String option) {
        return parse(args, env).getCommandSpec().findOption(option).getValue();
    }

    /** The metrics the controller registers, as a fresh registry holds them. */
    public static io.prometheus.metrics.model.registry.PrometheusRegistry metrics() {
        var registry = new io.prometheus.metrics.model.registry.PrometheusRegistry();
        new ControllerMetrics(registry);
        return registry;
    }

    /** The settings the controller would run with (pools read, every flag checked); throws as the command would. */
    public static ControllerSettings settings(List<String> args, Map<String, String> env) {
        CommandLine cl = parse(args, env);
        return ((ControllerCommand) cl.getCommand()).settings();
    }
}
