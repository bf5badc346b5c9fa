package io.vipkeeper.agent;

import static org.junit.jupiter.api.Assertions.fail;

import io.vipkeeper.testsupport.NotChecked;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/**
 * Tests that need root and real tools (network namespaces, keepalived, nft, haproxy). Without them a test is skipped
 * with a line on stderr naming what was not checked, so a run without root says so; with {@code CI=true} it fails
 * instead, since CI runs as root and every check must run there.
 */
final class RootTools {

    private RootTools() {
    }

    /** What is missing of root and {@code tools} (binaries in /usr/sbin, /sbin, /usr/bin); empty when all are there. */
    static List<String> missing(String... tools) {
        List<String> out = new ArrayList<>();
        if (!"root".equals(System.getProperty("user.name"))) {
            out.add("root");
        }
        out.addAll(missingTools(tools));
        return out;
    }

    /** The {@code tools} not installed. */
    static List<String> missingTools(String... tools) {
        List<String> out = new ArrayList<>();
        for (String t : tools) {
            if (List.of("/usr/sbin/", "/sbin/", "/usr/bin/").stream().noneMatch(d -> Files.isExecutable(Path.of(d + t)))) {
                out.add(t);
            }
        }
        return out;
    }

    /** Goes on when root and {@code tools} are there; else skips (fails with CI=true), naming what is not checked. */
    static void require(String notChecked, String... tools) {
        require(System.getenv(), notChecked, missing(tools));
    }

    /** As {@link #require(String, String...)} for tools that need no root. */
    static void requireTools(String notChecked, String... tools) {
        require(System.getenv(), notChecked, missingTools(tools));
    }

    static void require(Map<String, String> env, String notChecked, List<String> missing) {
        if (missing.isEmpty()) {
            return;
        }
        String message = "NOT CHECKED: " + notChecked + " (needs " + String.join(", ", missing) + ")";
        if ("true".equals(env.get("CI"))) {
            fail(message + "; CI=true: every check must run");
        }
        System.err.println("*** " + message);
        NotChecked.record("agent: " + notChecked + " (needs " + String.join(", ", missing) + ")");
        Assumptions.abort(message);
    }
}
