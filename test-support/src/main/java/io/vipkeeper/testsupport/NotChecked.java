package io.vipkeeper.testsupport;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * The tests this JVM skipped for want of root, named in one line when it exits. The line goes to the process's own
 * stderr, not System.err: Surefire sends System.err to a report file (redirectTestOutputToFile) but shows a forked
 * JVM's native stderr in the build output, where a skipped check should be seen.
 */
public final class NotChecked {

    private static final Set<String> SKIPPED = new ConcurrentSkipListSet<>();
    private static boolean hooked;

    private NotChecked() {
    }

    /** Records a check skipped for want of root (or of a tool the check runs as root); named at exit. */
    public static synchronized void record(String what) {
        SKIPPED.add(what);
        if (!hooked) {
            hooked = true;
            Runtime.getRuntime().addShutdownHook(new Thread(NotChecked::print, "not-checked"));
        }
    }

    /** The summary line for {@code skipped}, in their order. */
    static String line(Collection<String> skipped) {
        return "NOT CHECKED (needs root; run as root, or CI=true to fail instead): " + String.join(", ", skipped);
    }

    private static void print() {
        @SuppressWarnings("resource") // the process's stderr stays open
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        err.println("[WARNING] " + line(SKIPPED));
    }
}
