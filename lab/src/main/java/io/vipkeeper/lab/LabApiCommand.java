package io.vipkeeper.lab;

import picocli.CommandLine.Command;

/** Placeholder: the in-memory API server command is being written (issue 2). */
@Command(name = "api", mixinStandardHelpOptions = true, description = "In-memory Kubernetes API server (stand-in for a cluster).")
public final class LabApiCommand implements Runnable {
    @Override
    public void run() {
        throw new IllegalStateException("not written yet");
    }
}
