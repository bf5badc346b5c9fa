package io.vipkeeper.controller;

import picocli.CommandLine;

/** {@code vipkeeper controller} as its own process, for tests that signal it (the cli module's Main is out of reach here). */
public final class ControllerProcessMain {

    private ControllerProcessMain() {
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new ControllerCommand()).execute(args));
    }
}
