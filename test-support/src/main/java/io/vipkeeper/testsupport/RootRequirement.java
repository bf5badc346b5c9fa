package io.vipkeeper.testsupport;

import java.io.IOException;
import java.lang.reflect.AnnotatedElement;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * What a test that needs root does without it: in CI ({@code CI=true}, where root is part of the contract) it fails
 * and says why; elsewhere it is skipped, and {@link NotChecked} names it in one line at the end of the run, so a
 * developer's green build without root does not pass for a checked one.
 */
public final class RootRequirement implements ExecutionCondition, BeforeAllCallback, BeforeEachCallback {

    /** What to do with a test that needs root. */
    public sealed interface Decision {
        record Run() implements Decision {
        }

        record Fail(String message) implements Decision {
        }

        record Skip(String reason) implements Decision {
        }
    }

    /** The rule, apart from the environment: {@code ci} is the value of the CI variable (null when unset). */
    public static Decision decide(boolean root, String ci, String what) {
        if (root) {
            return new Decision.Run();
        }
        if ("true".equalsIgnoreCase(ci)) {
            return new Decision.Fail("needs root (CI=true, so not skipped): " + what + " -- run the build as root, e.g. sudo make test");
        }
        return new Decision.Skip("needs root, skipped (set CI=true to make this a failure): " + what);
    }

    /** This process runs as root (effective uid 0). */
    public static boolean isRoot() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("Uid:"))
                    .anyMatch(l -> l.split("\\s+")[2].equals("0"));
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * For a test that needs root in only one of its paths: true with root; without it, in CI an AssertionError,
     * else false after recording {@code what} as not checked (use it as {@code assumeTrue(RootRequirement.check(...))}).
     */
    public static boolean check(String what) {
        Decision d = decide(isRoot(), System.getenv("CI"), what);
        if (d instanceof Decision.Fail f) {
            throw new AssertionError(f.message());
        }
        if (d instanceof Decision.Skip) {
            NotChecked.record(what);
            return false;
        }
        return true;
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        Optional<String> what = what(context.getElement());
        if (what.isEmpty()) {
            return ConditionEvaluationResult.enabled("needs no root");
        }
        Decision d = decide(isRoot(), System.getenv("CI"), label(context, what.get()));
        if (d instanceof Decision.Skip s) {
            NotChecked.record(label(context, what.get()));
            return ConditionEvaluationResult.disabled(s.reason());
        }
        return ConditionEvaluationResult.enabled("root, or CI (fails before it starts)");
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        failInCi(context);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        failInCi(context);
    }

    private static void failInCi(ExtensionContext context) {
        Optional<String> what = what(context.getElement());
        if (what.isPresent() && decide(isRoot(), System.getenv("CI"), label(context, what.get())) instanceof Decision.Fail f) {
            throw new AssertionError(f.message());
        }
    }

    private static Optional<String> what(Optional<AnnotatedElement> element) {
        return element.flatMap(e -> AnnotationSupport.findAnnotation(e, RequiresRoot.class)).map(RequiresRoot::value);
    }

    private static String label(ExtensionContext context, String what) {
        String where = context.getTestClass().map(Class::getSimpleName).orElse("?")
                + context.getTestMethod().map(m -> "." + m.getName()).orElse("");
        return where + " (" + what + ")";
    }
}
