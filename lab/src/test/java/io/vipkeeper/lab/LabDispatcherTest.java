package io.vipkeeper.lab;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vipkeeper.lab.LabDispatcher.ResourcePath;
import io.vipkeeper.platform.CliErrors;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/** The pure parts: merge patch, paths, field selectors, ages, --listen. */
class LabDispatcherTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String s) throws Exception {
        return JSON.readTree(s.replace('\'', '"'));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        // RFC 7386 appendix A, plus the two cases the mock gets wrong: lists replace, null removes
        "{'a':'b'}                 | {'a':'c'}               | {'a':'c'}",
        "{'a':'b'}                 | {'b':'c'}               | {'a':'b','b':'c'}",
        "{'a':'b'}                 | {'a':null}              | {}",
        "{'a':'b','b':'c'}         | {'a':null}              | {'b':'c'}",
        "{'a':['b']}               | {'a':'c'}               | {'a':'c'}",
        "{'a':{'b':'c'}}           | {'a':{'b':'d','c':null}} | {'a':{'b':'d'}}",
        "{'a':[{'b':'c'}]}         | {'a':[1]}               | {'a':[1]}",
        "{'p':[{'port':80},{'port':443}]} | {'p':[{'port':8080}]} | {'p':[{'port':8080}]}",
        "{}                        | {'a':{'bb':{'ccc':null}}} | {'a':{'bb':{}}}",
    })
    void mergePatchFollowsRfc7386(String target, String patch, String expected) throws Exception {
        assertThat(LabDispatcher.mergePatch(json(target), json(patch))).isEqualTo(json(expected));
    }

    @Test
    void parsesResourcePaths() {
        assertThat(ResourcePath.parse("/api/v1/namespaces/default/services/web/status"))
                .isEqualTo(new ResourcePath("", "v1", "default", "services", "web", "status"));
        assertThat(ResourcePath.parse("/api/v1/namespaces/kube-system"))
                .isEqualTo(new ResourcePath("", "v1", null, "namespaces", "kube-system", null));
        assertThat(ResourcePath.parse("/api/v1/namespaces/x/status"))
                .isEqualTo(new ResourcePath("", "v1", null, "namespaces", "x", "status"));
        assertThat(ResourcePath.parse("/apis/discovery.k8s.io/v1/endpointslices"))
                .isEqualTo(new ResourcePath("discovery.k8s.io", "v1", null, "endpointslices", null, null));
        assertThat(ResourcePath.parse("/apis/apps/v1/namespaces/a/deployments/d").qualifiedPlural()).isEqualTo("deployments.apps");
        assertThat(ResourcePath.parse("/healthz")).isNull();
    }

    @Test
    void fieldSelectorsMatchAnyField() throws Exception {
        JsonNode event = json("{'involvedObject':{'kind':'Service','name':'a,b'},'type':'Normal'}");
        assertThat(LabDispatcher.FieldSelector.parse("involvedObject.kind=Service,involvedObject.name=a\\,b").test(event)).isTrue();
        assertThat(LabDispatcher.FieldSelector.parse("involvedObject.kind==Service,type!=Warning").test(event)).isTrue();
        assertThat(LabDispatcher.FieldSelector.parse("involvedObject.name=b").test(event)).isFalse();
        assertThat(LabDispatcher.FieldSelector.parse("involvedObject.uid=").test(event)).isTrue();
        assertThat(LabDispatcher.FieldSelector.parse("").test(event)).isTrue();
    }

    @ParameterizedTest
    @CsvSource({"0,0s", "119,119s", "120,2m", "150,2m30s", "600,10m", "10800,3h", "11000,3h3m", "172800,2d", "180000,2d2h",
        "864000,10d", "63072000,2y"})
    void agesLookLikeKubectls(long seconds, String expected) {
        assertThat(Tables.humanDuration(Duration.ofSeconds(seconds))).isEqualTo(expected);
    }

    @Test
    void parsesListen() {
        assertThat(LabApiCommand.Listen.parse("127.0.0.1:6443")).isEqualTo(new LabApiCommand.Listen("127.0.0.1", 6443));
        assertThat(LabApiCommand.Listen.parse("[::1]:0")).isEqualTo(new LabApiCommand.Listen("::1", 0));
    }

    @ParameterizedTest
    @CsvSource({"127.0.0.1", "127.0.0.1:", ":6443", "127.0.0.1:http", "127.0.0.1:65536", "::1:6443"})
    void badListenIsAUsageErrorOnOneLine(String listen) {
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new LabApiCommand());
        cmd.setParameterExceptionHandler(new CliErrors());
        cmd.setErr(new PrintWriter(err, true));
        assertThat(cmd.execute("--listen", listen)).isEqualTo(2);
        assertThat(err.toString().strip()).doesNotContain("\n").contains("--listen").contains("api --help");
    }
}
