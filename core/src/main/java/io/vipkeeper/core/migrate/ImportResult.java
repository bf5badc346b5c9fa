package io.vipkeeper.core.migrate;

import java.util.List;

/**
 * What an import made: the VipPools, one line per thing left out (with why), and what did not parse.
 * Exit codes of the commands: 0 everything converted, 3 something left out, 2 the input is unusable (errors).
 */
public record ImportResult(List<ImportedPool> pools, List<String> leftOut, List<String> errors) {

    public static final int CONVERTED = 0;
    public static final int LEFT_OUT = 3;
    public static final int UNUSABLE = 2;

    public ImportResult {
        pools = List.copyOf(pools);
        leftOut = List.copyOf(leftOut);
        errors = List.copyOf(errors);
    }

    public int exitCode() {
        return !errors.isEmpty() ? UNUSABLE : !leftOut.isEmpty() ? LEFT_OUT : CONVERTED;
    }
}
