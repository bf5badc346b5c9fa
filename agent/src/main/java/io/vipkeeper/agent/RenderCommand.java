package io.vipkeeper.agent;

import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.agent.AgentChecks;
import io.vipkeeper.core.agent.ClusterSnapshot;
import io.vipkeeper.core.agent.Report;
import io.vipkeeper.core.plan.AgentPlan;
import io.vipkeeper.core.plan.AgentPlanner;
import io.vipkeeper.core.render.ConntrackdConfig;
import io.vipkeeper.core.render.HaproxyConfig;
import io.vipkeeper.core.render.BirdConfig;
import io.vipkeeper.core.render.KeepalivedConfig;
import io.vipkeeper.core.render.NftablesRuleset;
import io.vipkeeper.platform.CliErrors;
import io.vipkeeper.platform.Flags;
import io.vipkeeper.platform.OptionChecks;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code vipkeeper render}: prints what the agent would apply on a node, from Kubernetes objects in files. No
 * cluster needed. As the running agent does, objects with a field that does not parse and refused VIP table entries
 * are left out and the rest is rendered; they and what else was not served go to stderr as {@code # <report>} lines;
 * exit 0 ({@code --strict}: exit 1, and nothing on stdout, when anything was refused). A file that cannot be read,
 * or a node that cannot be placed: a message on stderr, exit 1. A bad flag: one line naming it, exit 2 (as every command).
 */
@Command(name = "render", mixinStandardHelpOptions = true,
        description = "Print the keepalived.conf, nft script, haproxy.cfg, bird.conf or conntrackd.conf the node agent would apply on a node.")
public final class RenderCommand implements Callable<Integer>, OptionChecks {

    public enum What { keepalived, nftables, haproxy, bird, conntrackd }

    @Option(names = "--objects", required = true, paramLabel = "FILE",
            description = "YAML/JSON with the VIP ConfigMap, Services, EndpointSlices or Endpoints, Nodes (repeatable).")
    List<Path> objects;

    @Option(names = "--node", required = true, description = "The node to render for.")
    String node;

    @Option(names = "--what", defaultValue = "keepalived", description = "keepalived (default), nftables, haproxy, bird or conntrackd (empty when no sync is planned).")
    What what;

    @Option(names = "--strict", description = "Exit 1 (printing no configuration) when an object or VIP table entry is refused.")
    boolean strict;

    @Mixin
    AgentOptions agent;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void checkOptions() {
        objects.forEach(f -> Flags.readable("--objects", f));
        agent.settings();
        agent.configMap();
        agent.nodeIp();
        agent.bgp();
        if (!AgentChecks.isNodeName(node)) {
            throw CliErrors.usage(spec, "--node: not a Node name: " + InvalidInputException.quote(node));
        }
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            checkOptions();
        } catch (InvalidInputException e) {
            throw CliErrors.usage(spec, e.getMessage());
        }
        String text;
        AgentPlan plan;
        List<String> refusedObjects = new ArrayList<>();
        try {
            var settings = agent.settings();
            ClusterObjects read = ClusterObjects.read(objects);
            ClusterSnapshot observed = AgentPipeline.translate(read, agent.configMap());
            refusedObjects.addAll(read.unreadable());
            refusedObjects.addAll(observed.objectErrors());
            plan = AgentPlanner.plan(observed, node, agent.nodeIp(), settings);
            // as the agent: BGP VIPs in no VRRP instance
            BgpContext bgp = new BgpContext(node, agent.bgp().defaultMode(), agent.bgp().peers());
            bgp.observed(observed);
            plan = bgp.vrrpPlan(plan);
            AgentPlan applied = plan;
            text = switch (what) {
                case keepalived -> KeepalivedConfig.render(plan);
                case nftables -> NftablesRuleset.render(plan);
                case haproxy -> HaproxyConfig.render(plan);
                case bird -> BirdConfig.render(BirdApplier.birdPlan(applied, bgp, agent.bgp().routerId()));
                case conntrackd -> plan.sync() == null ? "" : ConntrackdConfig.render(plan.sync());
            };
        } catch (InvalidInputException e) {
            for (String line : e.getMessage().split("\n")) {
                err.println("vipkeeper render: " + line);
            }
            err.flush();
            return 1;
        }
        for (String e : refusedObjects) {
            err.println("# " + e);
        }
        for (Report r : plan.reports()) {
            err.println("# " + r);
        }
        long refused = refusedObjects.size() + plan.reports().stream().filter(r -> r.kind() == Report.Kind.ENTRY_REFUSED).count();
        if (strict && refused > 0) {
            err.println("vipkeeper render: " + refused + " object(s) or entries refused (--strict)");
            err.flush();
            return 1;
        }
        err.flush();
        out.print(text);
        out.flush();
        return 0;
    }
}
