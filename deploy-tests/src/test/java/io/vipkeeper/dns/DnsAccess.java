package io.vipkeeper.dns;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import picocli.CommandLine;

/** deploy-tests' view of the DNS commands' package-private parts: the chart's args parsed and run as the process would. */
public final class DnsAccess {

    private DnsAccess() {
    }

    /** {@code publish} or {@code serve} with these args; throws on an unknown or malformed flag, as the process would. */
    public static CommandLine parse(String command, List<String> args) {
        CommandLine cl = new CommandLine(command.equals("publish") ? new DnsPublishCommand() : new DnsServeCommand());
        cl.parseArgs(args.toArray(String[]::new));
        return cl;
    }

    public static Object optionValue(String command, List<String> args, String option) {
        return parse(command, args).getCommandSpec().findOption(option).getValue();
    }

    public static String optionDefault(String command, String option) {
        Object c = command.equals("publish") ? new DnsPublishCommand() : new DnsServeCommand();
        return new CommandLine(c).getCommandSpec().findOption(option).defaultValue();
    }

    /** The metrics both DNS commands register, as a fresh registry holds them. */
    public static PrometheusRegistry metrics() {
        PrometheusRegistry registry = new PrometheusRegistry();
        new DnsMetrics(registry);
        return registry;
    }

    /** {@code dns publish ARGS} running in the background, its clusters' clients made by {@code clients}. */
    public static AutoCloseable publish(List<String> args, Function<Config, KubernetesClient> clients) {
        CommandLine cl = parse("publish", args);
        DnsPublishCommand c = cl.getCommand();
        c.clients = clients;
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> {
            try {
                return c.call();
            } catch (Exception e) {
                throw new IllegalStateException("dns publish failed: " + e.getMessage(), e);
            }
        });
        return () -> {
            c.stop();
            exit.get(20, TimeUnit.SECONDS);
        };
    }

    /** Debian's etcd on loopback, data under {@code dir}. */
    public static Etcd etcd(Path dir) throws Exception {
        return new Etcd(new EtcdProcess(dir).start());
    }

    public record Etcd(EtcdProcess process) implements AutoCloseable {
        public String endpoint() {
            return process.endpoint();
        }

        /** {@code etcdctl get --prefix PREFIX} */
        public String get(String prefix) throws Exception {
            return process.run("get", "--prefix", prefix);
        }

        @Override
        public void close() throws InterruptedException {
            process.close();
        }
    }
}
