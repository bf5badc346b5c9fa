package io.vipkeeper.controller;

import picocli.CommandLine.Command;

/** Placeholder until the controller lands. */
@Command(name = "controller", mixinStandardHelpOptions = true, description = "LoadBalancer IP controller.")
public final class ControllerCommand implements Runnable {
    @Override
    public void run() {
        throw new IllegalStateException("not written yet");
    }
}
