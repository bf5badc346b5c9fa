package io.vipkeeper.platform;

/**
 * A command whose options need checks that one converter cannot make (flags that go together, the environment's
 * variables, values parsed by core). {@link CliErrors#checkingFirst} runs {@link #checkOptions()} after parsing and
 * before the command runs, so bad input is refused before anything starts, with exit 2 and one line.
 */
public interface OptionChecks {

    /** Throws a {@link picocli.CommandLine.ParameterException} (see {@link CliErrors#usage}) naming the flag; no side effects. */
    void checkOptions();
}
