package io.vipkeeper.lab;

import io.vipkeeper.lab.lan.LabPaths;
import java.io.File;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vipkeeper lab status}. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Prints the lab's nodes, which node is MASTER for each VIP, the Services with their EXTERNAL-IP, the pods and processes.")
public final class LabStatusCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--state-dir", hidden = true, defaultValue = "/run/vipkeeper-lab")
    File stateDir;

    @Override
    public Integer call() {
        int pre = LabHost.preflight(spec.commandLine().getOut(), spec.commandLine().getErr(), "status", false);
        if (pre != 0) {
            return pre;
        }
        LabStatus.print(spec.commandLine().getOut(), new LabPaths(stateDir.toPath()));
        return 0;
    }
}
