package io.vipkeeper.platform;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * How a command reaches the API server (a picocli mixin): {@code --kubeconfig} / {@code --context}, else the
 * in-cluster service account, else the default kubeconfig ({@code $KUBECONFIG} or {@code ~/.kube/config}).
 */
public final class KubeOptions {

    @Option(names = "--kubeconfig", paramLabel = "FILE", description = "kubeconfig file (default: in-cluster, else $KUBECONFIG or ~/.kube/config).")
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
        if (kubeconfig != null) {
            try {
                String text = Files.readString(kubeconfig);
                return Config.fromKubeconfig(context, text, kubeconfig.toAbsolutePath().toString());
            } catch (IOException e) {
                throw new IllegalStateException("cannot read --kubeconfig " + kubeconfig + ": " + e.getMessage(), e);
            }
        }
        // autoConfigure tries in-cluster first, then $KUBECONFIG / ~/.kube/config
        return Config.autoConfigure(context);
    }

    public KubernetesClient connect() {
        return new KubernetesClientBuilder().withConfig(config()).build();
    }
}
