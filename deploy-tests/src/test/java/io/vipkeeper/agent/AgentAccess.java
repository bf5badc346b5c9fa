package io.vipkeeper.agent;

import io.vipkeeper.core.agent.AgentSettings;
import io.vipkeeper.core.agent.Dataplane;
import io.vipkeeper.core.names.ConfigMapRef;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/** deploy-tests' view of the agent command's package-private parts: the chart's args parsed as the process would. */
public final class AgentAccess {

    private AgentAccess() {
    }

    public static CommandLine parse(List<String> args, Map<String, String> env) {
        CommandLine cl = new CommandLine(new AgentCommand(env));
        cl.parseArgs(args.toArray(String[]::new));
        return cl;
    }

    /** The agent's settings for these args, {@code auto} taken as {@code autoMeans}; throws as the command would. */
    public static AgentSettings settings(List<String> args, Map<String, String> env, Dataplane autoMeans) {
        AgentCommand c = (AgentCommand) parse(args, env).getCommand();
        return c.agent.settings(autoMeans, env.get("KEEPALIVED_NOTIFY"));
    }

    public static String optionDefault(String option) {
        return new CommandLine(new AgentCommand(Map.of())).getCommandSpec().findOption(option).defaultValue();
    }

    public static Object optionValue(List<String> args, Map<String, String> env, String option) {
        return parse(args, env).getCommandSpec().findOption(option).getValue();
    }

    /** The metrics the agent registers, as a fresh registry holds them. */
    public static io.prometheus.metrics.model.registry.PrometheusRegistry metrics() {
        var registry = new io.prometheus.metrics.model.registry.PrometheusRegistry();
        new AgentMetrics(registry, () -> 0, () -> 0);
        return registry;
    }

    public static ConfigMapRef configMap(List<String> args) {
        return ((AgentCommand) parse(args, Map.of()).getCommand()).agent.configMap();
    }

    /** {@code --watch-namespace}, or null. */
    public static String watchNamespace(List<String> args) {
        return ((AgentCommand) parse(args, Map.of()).getCommand()).watchNamespace;
    }

    public static boolean releaseVips(List<String> args) {
        return ((AgentCommand) parse(args, Map.of()).getCommand()).releaseVips;
    }
}
