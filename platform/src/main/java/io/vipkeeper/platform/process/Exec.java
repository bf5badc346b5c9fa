package io.vipkeeper.platform.process;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs a short command (keepalived -t, nft -f, ip ...) with a time limit and bounded output capture. */
public final class Exec {

    private static final int MAX_OUTPUT = 64 * 1024;

    public record Result(int exit, String stdout, String stderr) {
        public boolean ok() {
            return exit == 0;
        }

        /** stderr, else stdout, trimmed: what a log line or event should quote. */
        public String message() {
            String s = stderr.isBlank() ? stdout : stderr;
            return s.strip();
        }

        /** {@link #message()} on one line (its non-blank lines joined by "; "), at most 1,000 characters; else "exit N". */
        public String oneLine() {
            String line = message().lines().filter(l -> !l.isBlank()).reduce((a, b) -> a + "; " + b).orElse("exit " + exit);
            return line.length() > 1000 ? line.substring(0, 1000) + "..." : line;
        }
    }

    private Exec() {
    }

    public static Result run(List<String> command, Duration timeout) {
        return run(command, null, timeout);
    }

    /** Runs the command, feeding {@code stdin} when not null; exit -1 when it could not start or timed out. */
    public static Result run(List<String> command, String stdin, Duration timeout) {
        Process p;
        try {
            p = new ProcessBuilder(command).start();
        } catch (IOException e) {
            return new Result(-1, "", "cannot run " + command.get(0) + ": " + e.getMessage());
        }
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> drain(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> drain(p.getErrorStream()));
        try {
            if (stdin != null) {
                p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            p.getOutputStream().close();
        } catch (IOException e) {
            // the command may exit before reading its input; its exit code says what happened
        }
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return new Result(-1, out.getNow(""), "timed out after " + timeout.toMillis() + " ms: " + String.join(" ", command));
            }
            return new Result(p.exitValue(), out.join(), err.join());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            return new Result(-1, "", "interrupted");
        }
    }

    private static String drain(InputStream in) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        byte[] chunk = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(chunk)) > 0) {
                if (buf.size() < MAX_OUTPUT) {
                    buf.write(chunk, 0, Math.min(n, MAX_OUTPUT - buf.size()));
                }
            }
        } catch (IOException e) {
            // the process went away; what was read is what there is
        }
        return buf.toString(StandardCharsets.UTF_8);
    }
}
