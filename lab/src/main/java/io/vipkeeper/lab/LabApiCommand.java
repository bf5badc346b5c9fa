package io.vipkeeper.lab;

import io.vipkeeper.platform.Flags;
import io.vipkeeper.platform.LoggingOptions;
import io.vipkeeper.platform.OptionChecks;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code vipkeeper lab api}: the in-memory API server in the foreground, until SIGTERM or Ctrl-C. */
@Command(name = "api", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Runs an in-memory STAND-IN for a Kubernetes API server in the foreground, for trying vipkeeper without a "
                    + "cluster, and writes a kubeconfig (context '" + LabApiServer.CONTEXT + "') for kubectl and vipkeeper.",
            "It is not a cluster: it runs no controllers (no pods start, no endpoints appear), validates only custom "
                    + "resources (against their CRD's schema), persists nothing (everything is gone when it stops), speaks "
                    + "plain HTTP and asks for no credentials. It stays fast with tens of thousands of objects.",
            "",
            "Works with kubectl: create -f, apply (also over existing objects, and apply -k), get (with the usual "
                    + "columns, -o wide|yaml|json), describe, delete, label, annotate, patch (strategic, --type=merge|json, "
                    + "--subresource=status); CustomResourceDefinitions (discovery, printer columns, status subresource, "
                    + "schema validation, explain).",
            "Does not work: kubectl create service|configmap|secret|deployment (they send protobuf: write a file and use "
                    + "kubectl create -f); server-side apply; kubectl get -w and kubectl wait (watches work over WebSocket, "
                    + "as fabric8 clients watch); CEL validation rules of CRDs; kubectl explain of built-in kinds.",
            ""
        })
public final class LabApiCommand implements Callable<Integer>, OptionChecks {

    private static final Logger LOG = LoggerFactory.getLogger(LabApiCommand.class);

    /** Where to listen: a host name or IP literal (IPv6 in brackets) and a port (0: any free port). */
    record Listen(String host, int port) {
        static Listen parse(String value) {
            int colon = value.lastIndexOf(':');
            if (colon <= 0 || colon == value.length() - 1) {
                throw new IllegalArgumentException("'" + value + "' is not HOST:PORT (e.g. 127.0.0.1:6443)");
            }
            String host = value.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            } else if (host.contains(":")) {
                throw new IllegalArgumentException("'" + value + "': put an IPv6 address in brackets, e.g. [::1]:6443");
            }
            int port;
            try {
                port = Integer.parseInt(value.substring(colon + 1));
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 0 || port > 65535 || host.isEmpty()) {
                throw new IllegalArgumentException("'" + value + "' is not HOST:PORT with a port from 0 to 65535");
            }
            try {
                new Flags.Host().convert(host);
            } catch (CommandLine.TypeConversionException e) {
                throw new IllegalArgumentException("'" + value + "': " + e.getMessage());
            }
            return new Listen(host, port);
        }
    }

    static final class ListenConverter implements CommandLine.ITypeConverter<Listen> {
        @Override
        public Listen convert(String value) {
            try {
                return Listen.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:6443", converter = ListenConverter.class,
            description = "Where to listen (default: ${DEFAULT-VALUE}; port 0 picks a free port).")
    Listen listen;

    @Option(names = "--kubeconfig-out", paramLabel = "FILE", defaultValue = "vipkeeper-lab.kubeconfig",
            description = "Where to write the kubeconfig (default: ${DEFAULT-VALUE} in the current directory).")
    Path kubeconfigOut;

    @Mixin
    LoggingOptions logging;

    @Override
    public void checkOptions() {
        Flags.writable("--kubeconfig-out", kubeconfigOut);
    }

    @Override
    public Integer call() throws InterruptedException {
        logging.apply();
        LabApiServer server = new LabApiServer();
        String url;
        try {
            url = server.start(listen.host(), listen.port());
        } catch (RuntimeException e) {
            server.close();
            spec.commandLine().getErr().println(spec.qualifiedName() + ": cannot listen on " + listen.host() + ":" + listen.port()
                    + ": " + e.getMessage());
            return 1;
        }
        Path kubeconfig = server.writeKubeconfig(kubeconfigOut);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("stopping the in-memory Kubernetes API; its objects are discarded");
            server.close();
            stopped.countDown();
        }, "lab-api-shutdown"));
        LOG.info("in-memory Kubernetes API listening on {}: a stand-in for trying vipkeeper without a cluster"
                + " (no validation, no controllers, nothing persisted)", url);
        spec.commandLine().getOut().printf("kubeconfig: %s%ntry:        kubectl --kubeconfig %s get svc -A%n"
                + "            (or export KUBECONFIG=%s)%nstop with Ctrl-C.%n", kubeconfig, kubeconfig, kubeconfig);
        spec.commandLine().getOut().flush();
        stopped.await();
        return 0;
    }
}
