package io.vipkeeper.platform;

/**
 * A command cannot start although its input is valid, because the machine refuses (a port already in use): one line,
 * exit 1 ({@link CliErrors}). Bad input (a flag, a file named by a flag) is a usage error instead: exit 2.
 */
public final class StartupException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StartupException(String message, Throwable cause) {
        super(message, cause);
    }
}
