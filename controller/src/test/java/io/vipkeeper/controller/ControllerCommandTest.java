package io.vipkeeper.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.viptable.ForwardMethod;
import io.vipkeeper.platform.CliErrors;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Flags and the seed's environment variables become settings; bad ones exit 2 with one line. */
class ControllerCommandTest {

    record Parsed(int exit, String err, ControllerSettings settings) {
    }

    static Parsed parse(Map<String, String> env, String... args) {
        ControllerCommand cmd = new ControllerCommand(env);
        CommandLine cl = new CommandLine(cmd);
        cl.setParameterExceptionHandler(new CliErrors());
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        try {
            cl.parseArgs(args);
            return new Parsed(0, "", cmd.settings());
        } catch (CommandLine.ParameterException e) {
            int code = new CliErrors().handleParseException(e, args);
            return new Parsed(code, err.toString(), null);
        }
    }

    @Test
    void seedEnvironmentStillWorks() {
        Parsed p = parse(Map.of("KEEPALIVED_SERVICE_CIDR", "105.156.51.69/27", "KEEPALIVED_NAMESPACE", "kube-system",
                "KEEPALIVED_CONFIG_MAP", "my-vips", "KEEPALIVED_DEFAULT_FORWARD_METHOD", "DR"));
        assertThat(p.exit()).isZero();
        assertThat(p.settings().pools()).hasSize(1);
        assertThat(p.settings().pools().get(0).ranges().get(0).toString()).isEqualTo("105.156.51.65-105.156.51.94");
        assertThat(p.settings().configMapName()).isEqualTo("my-vips");
        assertThat(p.settings().defaultForwardMethod()).isEqualTo(ForwardMethod.DR);
    }

    @Test
    void defaults() {
        Parsed p = parse(Map.of(), "--pool", "192.0.2.200/29");
        assertThat(p.settings().configMapNamespace()).isEqualTo("kube-system");
        assertThat(p.settings().configMapName()).isEqualTo("vip-configmap");
        assertThat(p.settings().loadBalancerClass()).isEqualTo("vipkeeper.io/vip");
        assertThat(p.settings().defaultForwardMethod()).isEqualTo(ForwardMethod.NAT);
        assertThat(p.settings().leaderElect()).isTrue();
    }

    @Test
    void badInputExitsTwoWithOneLineNamingTheFlag() {
        Parsed p = parse(Map.of(), "--pool", "192.0.2.0/33");
        assertThat(p.exit()).isEqualTo(2);
        assertThat(p.err().strip().lines()).hasSize(1);
        assertThat(p.err()).contains("--pool 192.0.2.0/33").contains("prefix length 33");

        assertThat(parse(Map.of(), "--pool", "name=a,addresses=192.0.2.0/28", "--pool", "name=b,addresses=192.0.2.8/29").err())
                .contains("pool a").contains("pool b").contains("overlaps");
        assertThat(parse(Map.of("KEEPALIVED_SERVICE_CIDR", "nonsense")).err()).contains("KEEPALIVED_SERVICE_CIDR=nonsense");
        assertThat(parse(Map.of(), "--default-forward-method", "NATTY").err()).contains("NATTY").contains("NAT, DR or PROXY");
        assertThat(parse(Map.of(), "--configmap", "no-slash").exit()).isEqualTo(2);
        assertThat(parse(Map.of(), "--lease-duration", "soon").err()).contains("--lease-duration");
        assertThat(parse(Map.of(), "--no-such-flag").exit()).isEqualTo(2);
    }

    @Test
    void leaderElectionTimingThatCannotWorkIsRefusedAtStart() {
        Parsed p = parse(Map.of(), "--lease-duration", "1s", "--renew-deadline", "5s");
        assertThat(p.exit()).isEqualTo(2);
        assertThat(p.err().strip().lines()).hasSize(1);
        assertThat(p.err()).contains("--lease-duration 1s must be longer than --renew-deadline 5s");
        assertThat(parse(Map.of(), "--renew-deadline", "0s").err()).contains("--renew-deadline").contains("must be more than 0");
        Parsed slow = parse(Map.of(), "--retry-period", "20s");
        assertThat(slow.exit()).isEqualTo(2);
        assertThat(slow.err()).contains("--renew-deadline 10s must be longer than 1.2 x --retry-period 20s");
        assertThat(parse(Map.of(), "--lease-duration", "0s").err()).contains("--lease-duration").contains("must be more than 0");
        // the lab and tests build settings without the command: the same check
        assertThatThrownBy(() -> ControllerSettings.builder().leaseDuration(Duration.ofSeconds(1)).renewDeadline(Duration.ofSeconds(5)).build())
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("--lease-duration 1s");
        assertThat(parse(Map.of(), "--lease-duration", "3s", "--renew-deadline", "2s", "--retry-period", "500ms").exit()).isZero();
    }

    @Test
    void poolsFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("pools.yaml");
        Files.writeString(f, """
                pools:
                  - name: prod
                    addresses: [192.0.2.0/28, "2001:db8::/124"]
                    namespaces: [team-a]
                    avoid-buggy-ips: true
                  - name: lab
                    addresses: 198.51.100.10-198.51.100.20
                    auto-assign: false
                """);
        Parsed p = parse(Map.of(), "--pools-file", f.toString());
        assertThat(p.exit()).isZero();
        assertThat(p.settings().pools()).extracting(x -> x.name()).containsExactly("prod", "lab");
        assertThat(p.settings().pools().get(0).namespaces()).containsExactly("team-a");
        assertThat(p.settings().pools().get(1).autoAssign()).isFalse();

        Files.writeString(f, "pools:\n  - name: x\n    adresses: 192.0.2.0/28\n");
        assertThat(parse(Map.of(), "--pools-file", f.toString()).err()).contains("entry 0").contains("adresses");
        Files.writeString(f, "nothing: here\n");
        assertThat(parse(Map.of(), "--pools-file", f.toString()).err()).contains("'pools:'");
    }
}
