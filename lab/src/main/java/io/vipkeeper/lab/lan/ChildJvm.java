package io.vipkeeper.lab.lan;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Command lines of the JVMs the lab starts inside a namespace: the same Java and classpath as this process. */
public final class ChildJvm {

    /**
     * The children's entry point, {@code io.vipkeeper.lab.LabChildMain}: named, not imported, because it is the lab's
     * command tree, which depends on this package (ChildJvmTest keeps the name right).
     */
    public static final String ENTRY_POINT = "io.vipkeeper.lab.LabChildMain";

    private ChildJvm() {
    }

    public static String java() {
        return ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /**
     * {@code ip netns exec NS [env K=V] java OPTS -cp CP ENTRY_POINT SUB ARGS}, its output appended to {@code log}
     * when not null. {@code ip netns exec}, {@code sh -c exec} and {@code env} all exec, so the pid is the JVM's.
     */
    public static List<String> command(String ns, Path log, List<String> env, String heap, String sub, List<String> args) {
        return command(ns, CpuList.NONE, log, env, heap, sub, args);
    }

    /** As above, on {@code cpus} ({@code taskset -c}, which execs too) unless that is empty: {@link CpuSplit}. */
    public static List<String> command(String ns, CpuList cpus, Path log, List<String> env, String heap, String sub, List<String> args) {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        if (!cpus.isEmpty()) {
            c.addAll(List.of("taskset", "-c", cpus.text()));
        }
        if (log != null) {
            c.addAll(List.of("sh", "-c", "log=$1; shift; exec \"$@\" >>\"$log\" 2>&1", "sh", log.toString()));
        }
        if (!env.isEmpty()) {
            c.add("env");
            c.addAll(env);
        }
        // small and quick to start: these are short-lived helpers and per-node agents on a 2-core machine
        c.addAll(List.of(java(), "-XX:+UseSerialGC", "-Xms16m", "-Xmx" + heap, "-XX:TieredStopAtLevel=1", "-Xss512k", "-Xshare:auto",
                "-XX:+ExitOnOutOfMemoryError", "-cp", System.getProperty("java.class.path"), ENTRY_POINT, sub));
        c.addAll(args);
        return c;
    }
}
