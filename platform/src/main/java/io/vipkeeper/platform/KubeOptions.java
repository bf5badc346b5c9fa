package io.vipkeeper.platform;

import io.fabric8.kubernetes.api.model.NamedContext;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.vipkeeper.core.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * How a command reaches the API server (a picocli mixin): {@code --kubeconfig} / {@code --context}, else the
 * in-cluster service account, else the default kubeconfig ({@code $KUBECONFIG} or {@code ~/.kube/config}).
 * A kubeconfig that is missing, unreadable or does not parse, or a {@code --context} it does not hold, is refused when
 * the configuration is made (commands do so in their {@link OptionChecks}): exit 2. fabric8 would fall back to the
 * current context without a word.
 */
public final class KubeOptions {

    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec mixee;

    @Option(names = "--kubeconfig", paramLabel = "FILE",
            description = "kubeconfig file (default: in-cluster, else $KUBECONFIG or ~/.kube/config).")
    Path kubeconfig;

    @Option(names = "--context", paramLabel = "NAME", description = "kubeconfig context (default: the current one).")
    String context;

    public Path kubeconfig() {
        return kubeconfig;
    }

    public String context() {
        return context;
    }

    public Config config() {
        Config config;
        if (kubeconfig != null) {
            try {
                Flags.kubeconfig("--kubeconfig", kubeconfig);
            } catch (InvalidInputException e) {
                throw usage(e.getMessage());
            }
            try {
                String text = Files.readString(kubeconfig);
                config = Config.fromKubeconfig(context, text, kubeconfig.toAbsolutePath().toString());
            } catch (IOException | RuntimeException e) {
                throw usage("--kubeconfig " + kubeconfig + ": " + Flags.firstLine(e));
            }
        } else {
            // autoConfigure tries in-cluster first, then $KUBECONFIG / ~/.kube/config
            config = Config.autoConfigure(context);
        }
        if (context != null) {
            List<String> known = config.getContexts() == null ? List.of() : config.getContexts().stream().map(NamedContext::getName).toList();
            if (!known.isEmpty() && !known.contains(context)) {
                throw usage("--context " + context + ": no such context in " + (kubeconfig != null ? kubeconfig : "the kubeconfig")
                        + " (it has " + String.join(", ", known) + ")");
            }
        }
        return config;
    }

    public KubernetesClient connect() {
        return new KubernetesClientBuilder().withConfig(config()).build();
    }

    private RuntimeException usage(String message) {
        // a KubeOptions made outside picocli (tests) has no command to name
        return mixee != null ? CliErrors.usage(mixee, message) : new IllegalArgumentException(message);
    }
}
