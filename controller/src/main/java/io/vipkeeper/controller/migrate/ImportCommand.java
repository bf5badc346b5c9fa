package io.vipkeeper.controller.migrate;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code vipkeeper import metallb|kube-vip}: another load balancer's pools as VipPool YAML (docs/migration.md). */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = {"Print VipPools made from MetalLB's or kube-vip's configuration (to review, then kubectl apply).",
            "Exit 0: everything converted; 3: something has no equivalent (one line each on stderr, the rest printed);"
                + " 2: unusable input (nothing printed)."},
        subcommands = {MetalLbImportCommand.class, KubeVipImportCommand.class})
public final class ImportCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing what to import: metallb or kube-vip");
    }
}
