package io.vipkeeper.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vipkeeper.platform.CliErrors;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Every command with a bad value for each typed option: exit 2 and one line on stderr naming the flag, no stack
 * trace. Commands never run here: the real command tree parses and checks its options (as {@code vipkeeper} does),
 * and where it would start, the test answers {@link #WOULD_RUN} instead, so a value that slips through cannot start a
 * controller or touch the machine.
 */
class BadFlagsTest {

    static final int WOULD_RUN = 99;
    static final Path DIR = tempDir();
    /** A kubeconfig that parses; its server is a closed loopback port (nothing is ever contacted). */
    static final String KUBECONFIG = write("ok.kubeconfig", """
            apiVersion: v1
            kind: Config
            clusters:
            - name: c
              cluster:
                server: https://127.0.0.1:1
            contexts:
            - name: lab
              context:
                cluster: c
                user: u
            current-context: lab
            users:
            - name: u
              user: {}
            """);
    static final String GARBAGE = write("garbage.kubeconfig", "clusters: [\n");
    static final String NOT_A_CONFIG = write("words.kubeconfig", "hello world\n");
    static final String MISSING = DIR.resolve("no-such-file").toString();
    static final String NO_DIR = DIR.resolve("no-such-dir/out").toString();

    /** Options whose values are free text by design (names passed through, binaries, URLs checked by their client). */
    static final Set<String> FREE_TEXT = Set.of("controller --load-balancer-class", "agent --keepalived-bin",
            "dns publish --require-annotation", "lab backend --name", "lab up --state-dir", "lab down --state-dir",
            "lab status --state-dir", "lab demo --state-dir", "lab failover --state-dir", "lab run --state-dir",
            "lab chaos --state-dir", "lab soak --state-dir", "lab bgp-bench --state-dir");

    record Case(String command, String flag, List<String> args) {
        @Override
        public String toString() {
            return command + " " + String.join(" ", args);
        }
    }

    /** The arguments a command needs to get as far as the flag under test. */
    static final Map<String, List<String>> BASE = Map.ofEntries(
            Map.entry("controller", List.of("--kubeconfig", KUBECONFIG)),
            Map.entry("agent", List.of("--kubeconfig", KUBECONFIG, "--services-configmap", "kube-system/vip-configmap")),
            Map.entry("render", List.of("--objects", KUBECONFIG, "--node", "node2")),
            Map.entry("dns publish", List.of("--kubeconfig", KUBECONFIG, "--federation", "federation", "--domain", "example.com")),
            Map.entry("dns serve", List.of("--zone", "example.com")),
            Map.entry("lab load-services", List.of("--kubeconfig", KUBECONFIG)),
            Map.entry("lab backend", List.of("--name", "hello-1")),
            Map.entry("lab run", List.of("--prefix", "192.0.2")),
            Map.entry("lab probe", List.of("--host", "127.0.0.1")),
            Map.entry("import metallb", List.of("--kubeconfig", KUBECONFIG)),
            Map.entry("import kube-vip", List.of("--kubeconfig", KUBECONFIG)));

    static Stream<Case> cases() {
        List<Case> c = new ArrayList<>();
        // the kube options and logging, on every command that has them
        for (String cmd : List.of("controller", "agent", "lab load-services", "import metallb", "import kube-vip")) {
            c.add(bad(cmd, "--kubeconfig", MISSING));
            c.add(bad(cmd, "--kubeconfig", DIR.toString()));
            c.add(bad(cmd, "--kubeconfig", GARBAGE));
            c.add(bad(cmd, "--kubeconfig", NOT_A_CONFIG));
            c.add(bad(cmd, "--context", "no-such-context"));
        }
        for (String cmd : List.of("controller", "agent", "dns publish", "dns serve", "lab api", "lab clusters", "lab run")) {
            c.add(bad(cmd, "--log-level", "verbose"));
            c.add(bad(cmd, "--log-format", "xml"));
        }
        // controller
        c.add(bad("controller", "--health-port", "70000"));
        c.add(bad("controller", "--health-port", "-5"));
        c.add(bad("controller", "--health-port", "http"));
        c.add(bad("controller", "--health-address", "999.1.1.1"));
        c.add(bad("controller", "--health-address", "localhost"));
        c.add(bad("controller", "--pool", "192.0.2.0/33"));
        c.add(bad("controller", "--pools-file", MISSING));
        c.add(bad("controller", "--default-forward-method", "NATTY"));
        c.add(bad("controller", "--configmap", "no-slash"));
        c.add(bad("controller", "--lease-namespace", "Not_A_Namespace"));
        c.add(bad("controller", "--lease-duration", "soon"));
        c.add(bad("controller", "--lease-duration", "0s"));
        c.add(bad("controller", "--renew-deadline", "-1s"));
        c.add(bad("controller", "--renew-deadline", "20s"));
        c.add(bad("controller", "--retry-period", "1h"));
        c.add(bad("controller", "--leader-elect=maybe", null));
        c.add(bad("import kube-vip", "--configmap", "no-slash"));
        c.add(bad("import kube-vip", "--configmap", "kube-system/Not_A_Name"));
        // agent (the same option mixin as render)
        c.add(bad("agent", "--services-configmap", "x"));
        c.add(bad("agent", "--http-port", "99999"));
        c.add(bad("agent", "--http-port", "99999999999"));
        c.add(bad("agent", "--http-address", "999.1.1.1"));
        c.add(bad("agent", "--debounce", "-5"));
        c.add(bad("agent", "--max-delay", "soon"));
        c.add(bad("agent", "--watch-namespace", "Not_A_Namespace"));
        c.add(bad("agent", "--release-vips=maybe", null));
        for (String cmd : List.of("agent", "render")) {
            c.add(bad(cmd, "--iface", "eth0;x"));
            c.add(bad(cmd, "--track-interface", "eth 1"));
            c.add(bad(cmd, "--vrid", "0"));
            c.add(bad(cmd, "--vrid-range", "99-50"));
            c.add(bad(cmd, "--vrrp-instances", "many"));
            c.add(bad(cmd, "--advert-interval", "fast"));
            c.add(bad(cmd, "--vrrp-version", "4"));
            c.add(bad(cmd, "--dataplane", "magic"));
            c.add(bad(cmd, "--lvs-sched", "fastest"));
            c.add(bad(cmd, "--persistence-timeout", "-1"));
            c.add(bad(cmd, "--node-ip", "999.1.1.1"));
            c.add(bad(cmd, "--run-dir", "relative/dir"));
            c.add(bad(cmd, "--announce", "ospf"));
            c.add(bad(cmd, "--bgp-peer", "address=198.51.100.1,asn=4294967296,local-asn=65100"));
            c.add(bad(cmd, "--bgp-peer", "address=198.51.100.1,asn=65000"));
            c.add(bad(cmd, "--bgp-peer", "address=198.51.100.1,asn=65000,local-asn=65100,bfd-interval=fast"));
            c.add(bad(cmd, "--bgp-peer", "address=198.51.100.1,asn=65000,local-asn=65100,password-file=" + MISSING));
            c.add(bad(cmd, "--bgp-router-id", "2001:db8::1"));
            c.add(bad(cmd, "--failover-profile", "faster"));
            c.add(bad(cmd, "--vrrp-realtime=maybe", null));
            // per-vip beyond the VRRP packet rate: 255 instances at 0.03 s would send 8500 adverts/s
            List<String> flood = new ArrayList<>(bad(cmd, "--vrid-range", "1-255").args());
            flood.addAll(List.of("--vrrp-instances", "per-vip", "--failover-profile", "fast"));
            c.add(new Case(cmd, "--vrid-range", flood));
            c.add(bad(cmd, "--sync-interface", "eth0;x"));
            c.add(bad(cmd, "--conntrack-sync=maybe", null));
        }
        c.add(bad("render", "--services-configmap", "x"));
        c.add(bad("render", "--objects", MISSING));
        c.add(bad("render", "--what", "html"));
        c.add(bad("render", "--node", "Not_A_Node"));
        // dns
        for (String cmd : List.of("dns publish", "dns serve")) {
            c.add(bad(cmd, "--http-port", "70000"));
            c.add(bad(cmd, "--http-port", "-2"));
            c.add(bad(cmd, "--http-host", "999.1.1.1"));
            c.add(bad(cmd, "--etcd", "not a url"));
            c.add(bad(cmd, "--etcd", "ftp://127.0.0.1:2379"));
            c.add(bad(cmd, "--etcd-prefix", "skydns"));
            c.add(bad(cmd, "--etcd-user", "root"));
            c.add(bad(cmd, "--etcd-password-file", MISSING));
            c.add(bad(cmd, "--etcd-ca", MISSING));
            c.add(bad(cmd, "--etcd-cert", MISSING));
            c.add(bad(cmd, "--etcd-key", MISSING));
        }
        c.add(bad("dns publish", "--kubeconfig", MISSING));
        c.add(bad("dns publish", "--kubeconfig", GARBAGE));
        c.add(bad("dns publish", "--context", "no-such-context"));
        c.add(bad("dns publish", "--location", "lab=nowhere"));
        c.add(bad("dns publish", "--federation", "Not_A_Label"));
        c.add(bad("dns publish", "--domain", "exa mple.com"));
        c.add(bad("dns publish", "--ttl", "0"));
        c.add(bad("dns publish", "--ttl", "99999999999"));
        c.add(bad("dns publish", "--lease-ttl", "1"));
        c.add(bad("dns serve", "--zone", "exa mple.com"));
        c.add(bad("dns serve", "--listen", "999.0.0.1:53"));
        c.add(bad("dns serve", "--listen", "127.0.0.1:99999"));
        c.add(bad("dns serve", "--nameserver", "bad name"));
        c.add(bad("dns serve", "--nameserver-address", "999.1.1.1"));
        c.add(bad("dns serve", "--negative-ttl", "-1"));
        c.add(bad("dns serve", "--udp-threads", "0"));
        c.add(bad("dns serve", "--tcp-idle-timeout", "0"));
        c.add(bad("dns serve", "--tcp-max-time", "1")); // shorter than the idle timeout (5 s)
        c.add(bad("dns serve", "--tcp-max-per-client", "0"));
        c.add(bad("dns serve", "--tcp-max-connections", "70000"));
        // lab
        c.add(bad("lab api", "--listen", "999.0.0.1:1"));
        c.add(bad("lab api", "--listen", "127.0.0.1:65536"));
        c.add(bad("lab api", "--kubeconfig-out", NO_DIR));
        c.add(bad("lab clusters", "--host", "999.0.0.1"));
        c.add(bad("lab clusters", "--host", "no-such-host.invalid"));
        c.add(bad("lab clusters", "--kubeconfig-out", NO_DIR));
        c.add(bad("lab load-services", "--count", "0"));
        c.add(bad("lab load-services", "--ip-family", "IPv5"));
        c.add(bad("lab load-services", "--metrics", "not a url"));
        c.add(bad("lab load-services", "--timeout", "0"));
        c.add(bad("lab load-services", "--ports", "0"));
        c.add(bad("lab load-services", "--endpoints", "-1"));
        for (String cmd : List.of("lab up", "lab run")) {
            c.add(bad(cmd, "--nodes", "0"));
            c.add(bad(cmd, "--nodes", "40"));
            c.add(bad(cmd, "--vrrp-instances", "many"));
            c.add(bad(cmd, "--failover-profile", "faster"));
        }
        c.add(bad("lab soak", "--minutes", "0"));
        c.add(bad("lab soak", "--sample-ms", "5"));
        c.add(bad("lab soak", "--csv", NO_DIR));
        c.add(bad("lab soak", "--stress=hog", null));
        c.add(bad("lab soak", "--stress", "io"));
        c.add(bad("lab up", "--subnet", "999.0.2"));
        c.add(bad("lab up", "--subnet", "10.0.0"));
        c.add(bad("lab run", "--prefix", "10.0.0"));
        c.add(bad("lab up", "--announce", "ospf"));
        c.add(bad("lab up", "--node-cpus", "one"));
        c.add(bad("lab up", "--node-cpus", "3-1"));
        c.add(bad("lab run", "--node-cpus", "1,,2"));
        c.add(bad("lab run", "--workload-cpus", "0-"));
        c.add(bad("lab run", "--routing", "bgp-and-more"));
        c.add(bad("lab failover", "--announce", "rip"));
        c.add(bad("lab bgp-bench", "--samples", "0"));
        c.add(bad("lab bgp-bench", "--connections", "5"));
        c.add(bad("lab bgp-bench", "--csv-dir", NO_DIR));
        c.add(bad("lab failover", "--rounds", "0"));
        c.add(bad("lab failover", "--rounds", "201"));
        c.add(bad("lab failover", "--settle-ms", "-1"));
        c.add(bad("lab failover", "--csv", NO_DIR));
        c.add(bad("lab chaos", "--minutes", "0"));
        c.add(bad("lab chaos", "--minutes", "51"));
        c.add(bad("lab chaos", "--minutes", "ten"));
        c.add(bad("lab chaos", "--seed", "x42"));
        c.add(bad("lab chaos", "--csv", NO_DIR));
        c.add(bad("lab chaos", "--connections", "1001"));
        c.add(bad("lab chaos", "--vrrp-instances", "per-node"));
        c.add(bad("lab failover", "--connections", "-1"));
        c.add(bad("lab failover", "--udp-flows", "1001"));
        c.add(bad("lab failover", "--planned=cordon", null));
        c.add(bad("lab failover", "--stalls-csv", NO_DIR));
        c.add(bad("lab backend", "--port", "70000"));
        c.add(bad("lab backend", "--echo-port", "70000"));
        c.add(bad("lab probe", "--host", "999.0.0.1"));
        c.add(bad("lab probe", "--port", "0"));
        c.add(bad("lab probe", "--interval-ms", "0"));
        c.add(bad("lab probe", "--timeout-ms", "0"));
        c.add(bad("lab probe", "--count", "0"));
        c.add(bad("lab probe", "--duration-s", "3601"));
        c.add(bad("lab probe", "--parallel", "0"));
        return c.stream();
    }

    /** {@code command} with its base arguments and {@code flag value} last (or {@code flag=value} alone when value is null). */
    static Case bad(String command, String flag, String value) {
        List<String> args = new ArrayList<>(List.of(command.split(" ")));
        List<String> base = new ArrayList<>(BASE.getOrDefault(command, List.of()));
        String name = flag.contains("=") ? flag.substring(0, flag.indexOf('=')) : flag;
        int i = base.indexOf(name);
        if (i >= 0) {
            base.subList(i, i + 2).clear(); // the bad value replaces the base one
        }
        args.addAll(base);
        args.add(flag);
        if (value != null) {
            args.add(value);
        }
        return new Case(command, name, args);
    }

    record Run(int exit, String out, String err) {
    }

    static Run run(List<String> args) {
        CommandLine cl = Main.commandLine();
        cl.setExecutionStrategy(CliErrors.checkingFirst(parseResult -> WOULD_RUN));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args.toArray(String[]::new));
        return new Run(exit, out.toString(), err.toString());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void badValueExitsTwoWithOneLineNamingTheFlag(Case c) {
        Run r = run(c.args());
        assertThat(r.exit()).as("exit of %s (stderr: %s)", c, r.err()).isEqualTo(2);
        assertThat(r.err().strip().lines()).as("stderr of %s", c).hasSize(1);
        assertThat(r.err()).as("stderr of %s", c).startsWith("vipkeeper " + c.command() + ": ").contains(c.flag())
                .doesNotContain("Exception").doesNotContain("at io.").doesNotContain("java.lang");
        assertThat(r.out()).as("stdout of %s", c).isEmpty();
    }

    @Test
    void theBaseArgumentsAreAccepted() {
        for (var e : BASE.entrySet()) {
            if (e.getKey().equals("agent")) {
                continue; // needs NODE_NAME, checked as the agent starts: see agentWithoutNodeName
            }
            List<String> args = new ArrayList<>(List.of(e.getKey().split(" ")));
            args.addAll(e.getValue());
            Run r = run(args);
            assertThat(r.exit()).as("%s: %s", args, r.err()).isEqualTo(WOULD_RUN);
        }
    }

    @Test
    void agentWithoutNodeNameExitsTwo() {
        List<String> args = new ArrayList<>(List.of("agent"));
        args.addAll(BASE.get("agent"));
        Run r = run(args);
        if (System.getenv("NODE_NAME") == null && System.getenv("POD_NAME") == null) {
            assertThat(r.exit()).isEqualTo(2);
            assertThat(r.err().strip().lines()).hasSize(1);
            assertThat(r.err()).contains("NODE_NAME");
        }
    }

    /** Every option that takes a value is in the table (or free text by design), so a new flag needs a row. */
    @Test
    void everyOptionWithAValueHasABadValueCase() {
        Set<String> covered = new TreeSet<>();
        cases().forEach(c -> covered.add(c.command() + " " + c.flag()));
        Set<String> missing = new TreeSet<>();
        options(Main.commandLine(), "", missing);
        missing.removeAll(covered);
        missing.removeAll(FREE_TEXT);
        assertThat(missing).as("options without a bad-value case").isEmpty();
    }

    private static void options(CommandLine cl, String path, Set<String> out) {
        for (var e : cl.getSubcommands().entrySet()) {
            if (e.getKey().equals("help")) {
                continue;
            }
            String p = path.isEmpty() ? e.getKey() : path + " " + e.getKey();
            for (OptionSpec o : e.getValue().getCommandSpec().options()) {
                if (!o.usageHelp() && !o.versionHelp() && o.arity().max() > 0 && o.type() != boolean.class) {
                    out.add(p + " " + o.longestName());
                }
            }
            options(e.getValue(), p, out);
        }
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("vk-badflags");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String write(String name, String text) {
        try {
            return Files.writeString(DIR.resolve(name), text).toString();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
