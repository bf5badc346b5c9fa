package io.vipkeeper.agent;

import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.agent.Report;
import io.vipkeeper.core.plan.AgentPlan;
import io.vipkeeper.core.render.HaproxyConfig;
import io.vipkeeper.core.render.KeepalivedConfig;
import io.vipkeeper.core.render.NftablesRuleset;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code vipkeeper render}: prints what the agent would apply on a node, from Kubernetes objects in files. No
 * cluster needed. What was not served goes to stderr as {@code # <report>} lines; exit 0. Invalid objects or flags:
 * a message naming the object and field (or flag) on stderr, exit 1.
 */
@Command(name = "render", mixinStandardHelpOptions = true,
        description = "Print the keepalived.conf, nft script or haproxy.cfg the node agent would apply on a node.")
public final class RenderCommand implements Callable<Integer> {

    public enum What { keepalived, nftables, haproxy }

    @Option(names = "--objects", required = true, paramLabel = "FILE",
            description = "YAML/JSON with the VIP ConfigMap, Services, EndpointSlices or Endpoints, Nodes (repeatable).")
    List<Path> objects;

    @Option(names = "--node", required = true, description = "The node to render for.")
    String node;

    @Option(names = "--what", defaultValue = "keepalived", description = "keepalived (default), nftables or haproxy.")
    What what;

    @Mixin
    AgentOptions agent;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String text;
        AgentPlan plan;
        try {
            var settings = agent.settings();
            plan = AgentPipeline.plan(ClusterObjects.read(objects), agent.configMap(), node, agent.nodeIp(), settings);
            text = switch (what) {
                case keepalived -> KeepalivedConfig.render(plan);
                case nftables -> NftablesRuleset.render(plan);
                case haproxy -> HaproxyConfig.render(plan);
            };
        } catch (InvalidInputException e) {
            for (String line : e.getMessage().split("\n")) {
                err.println("vipkeeper render: " + line);
            }
            err.flush();
            return 1;
        }
        for (Report r : plan.reports()) {
            err.println("# " + r);
        }
        err.flush();
        out.print(text);
        out.flush();
        return 0;
    }
}
