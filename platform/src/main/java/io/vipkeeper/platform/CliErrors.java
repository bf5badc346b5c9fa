package io.vipkeeper.platform;

import io.vipkeeper.core.InvalidInputException;
import java.util.function.Supplier;
import picocli.CommandLine;

/**
 * How every command reports what it cannot start with, on one line {@code <command>: <message>}:
 * <ul>
 *   <li>exit 2: bad input found at start: a flag that does not parse (picocli and {@link Flags}), options that do not
 *       go together ({@link OptionChecks}), an environment variable or file named by a flag that is unusable;
 *   <li>exit 1: the environment refuses a valid start ({@link StartupException}, e.g. a port already in use).
 * </ul>
 * Anything failing later, while running, is logged by the command itself.
 */
public final class CliErrors implements CommandLine.IParameterExceptionHandler {

    @Override
    public int handleParseException(CommandLine.ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": " + oneLine(ex.getMessage())
                + " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')");
        cmd.getErr().flush();
        return CommandLine.ExitCode.USAGE;
    }

    /** Thrown by a command that finds its options unusable after parsing (e.g. a pool that does not parse). */
    public static CommandLine.ParameterException usage(CommandLine.Model.CommandSpec spec, String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    /** {@code parse}'s value, or a usage error naming {@code flag} with the reason core gave. */
    public static <T> T flag(CommandLine.Model.CommandSpec spec, String flag, Supplier<T> parse) {
        try {
            return parse.get();
        } catch (InvalidInputException e) {
            throw usage(spec, flag + ": " + e.getMessage());
        }
    }

    /** {@code check}'s value, or a usage error with its message (which names the flag, as {@link Flags}' checks do). */
    public static <T> T checked(CommandLine.Model.CommandSpec spec, Supplier<T> check) {
        try {
            return check.get();
        } catch (InvalidInputException e) {
            throw usage(spec, e.getMessage());
        }
    }

    /** Sets the handlers of a command tree: parse errors, {@link OptionChecks}, start errors (see the class comment). */
    public static CommandLine install(CommandLine cmd) {
        CliErrors errors = new CliErrors();
        cmd.setParameterExceptionHandler(errors);
        cmd.setExecutionStrategy(checkingFirst(new CommandLine.RunLast()));
        cmd.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (ex instanceof CommandLine.ParameterException pe) {
                return errors.handleParseException(pe, parseResult.originalArgs().toArray(String[]::new));
            }
            if (ex instanceof InvalidInputException ie) {
                return errors.handleParseException(new CommandLine.ParameterException(commandLine, ie.getMessage(), ie),
                        parseResult.originalArgs().toArray(String[]::new));
            }
            if (ex instanceof StartupException se) {
                commandLine.getErr().println(commandLine.getCommandSpec().qualifiedName() + ": " + oneLine(se.getMessage()));
                commandLine.getErr().flush();
                return 1;
            }
            throw ex;
        });
        return cmd;
    }

    /**
     * An execution strategy that answers {@code --help}/{@code --version}, then runs {@link OptionChecks#checkOptions()}
     * of every command on the command line, then {@code run}.
     */
    public static CommandLine.IExecutionStrategy checkingFirst(CommandLine.IExecutionStrategy run) {
        return parseResult -> {
            Integer help = CommandLine.executeHelpRequest(parseResult);
            if (help != null) {
                return help;
            }
            for (CommandLine cl : parseResult.asCommandLineList()) {
                if (cl.getCommand() instanceof OptionChecks checks) {
                    try {
                        checks.checkOptions();
                    } catch (InvalidInputException e) {
                        throw new CommandLine.ParameterException(cl, e.getMessage(), e);
                    }
                }
            }
            return run.execute(parseResult);
        };
    }

    private static String oneLine(String message) {
        return message == null ? "" : String.join("; ", message.strip().lines().map(String::strip).filter(l -> !l.isEmpty()).toList());
    }
}
