package io.vipkeeper.lab;

import io.vipkeeper.lab.lan.LabPaths;
import io.vipkeeper.lab.lan.Lan;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vipkeeper lab down}: removes everything the lab created, also after a crash of the lab itself. */
@Command(name = "down", mixinStandardHelpOptions = true,
        description = "Stops the lab and removes every namespace, veth, process and file it created (also after a crash). Needs root.")
public final class LabDownCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--state-dir", hidden = true, defaultValue = "/run/vipkeeper-lab")
    File stateDir;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int pre = LabHost.preflight(out, err, "down", false);
        if (pre != 0 && !LabHost.isRoot()) {
            return pre;
        }
        return down(out, new LabPaths(stateDir.toPath()));
    }

    /**
     * Takes down a lab that {@code lab up} left running under {@code paths}, as {@code lab down} does; false when none
     * runs. For the e2e fixture: its own lab needs the address of the lab API, which that lab's {@code lab run}
     * process keeps even once its namespaces are gone.
     */
    public static boolean downIfRunning(PrintWriter out, LabPaths paths) throws IOException {
        if (LabHost.labProcess(paths).isEmpty()) {
            return false;
        }
        down(out, paths);
        return true;
    }

    static int down(PrintWriter out, LabPaths paths) throws IOException {
        Optional<ProcessHandle> lab = LabHost.labProcess(paths);
        if (lab.isPresent()) {
            out.println("stopping the lab (pid " + lab.get().pid() + ") ...");
            out.flush();
            lab.get().destroy();
            try {
                lab.get().onExit().get(45, TimeUnit.SECONDS);
            } catch (Exception e) {
                out.println("the lab did not stop within 45 s; killing it");
                lab.get().destroyForcibly();
            }
        }
        // whatever is left (a crashed lab leaves everything): processes in our namespaces, the namespaces, vk-host
        List<String> removed = Lan.destroyAll();
        removed.forEach(r -> out.println("removed " + r));
        if (paths.root().toFile().exists()) {
            paths.deleteAll();
            out.println("removed " + paths.root());
        }
        if (!Lan.namespaces().isEmpty()) {
            out.println("could not remove: " + Lan.namespaces());
            out.flush();
            return 1;
        }
        out.println("the lab is down: none of its namespaces, links or processes is left.");
        out.flush();
        return 0;
    }
}
