package io.vipkeeper.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every command has --help, and a bad flag exits 2 with one line naming it. */
class MainTest {

    record Run(int exit, String out, String err) {
    }

    static Run run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    static List<List<String>> commandPaths(CommandLine cl, List<String> prefix) {
        List<List<String>> out = new ArrayList<>();
        for (var e : cl.getSubcommands().entrySet()) {
            if (e.getKey().equals("help")) {
                continue;
            }
            List<String> path = new ArrayList<>(prefix);
            path.add(e.getKey());
            out.add(path);
            out.addAll(commandPaths(e.getValue(), path));
        }
        return out;
    }

    @Test
    void everyCommandHasHelpAndRefusesUnknownFlagsWithExitTwo() {
        List<List<String>> paths = commandPaths(Main.commandLine(), List.of());
        assertThat(paths).extracting(p -> String.join(" ", p)).contains("controller", "lab", "lab api", "import metallb", "import kube-vip");
        for (List<String> path : paths) {
            List<String> help = new ArrayList<>(path);
            help.add("--help");
            Run h = run(help.toArray(String[]::new));
            assertThat(h.exit()).as("%s --help", path).isZero();
            assertThat(h.out()).as("%s --help", path).contains("Usage: vipkeeper " + String.join(" ", path));

            List<String> bad = new ArrayList<>(path);
            bad.add("--definitely-not-a-flag");
            Run b = run(bad.toArray(String[]::new));
            assertThat(b.exit()).as("%s with a bad flag", path).isEqualTo(2);
            assertThat(b.err().strip().lines()).as("%s: one line", path).hasSize(1);
            // picocli names missing required options first; either way the one line says what to fix
            assertThat(b.err()).containsAnyOf("--definitely-not-a-flag", "Missing required option");
        }
    }

    @Test
    void noCommandIsAUsageError() {
        Run r = run();
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("missing command");
    }
}
